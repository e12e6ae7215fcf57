package org.hubkit.api;

import java.util.Objects;

/**
 * A user's spawn options were refused: a choice that was not offered to them, an unknown field,
 * a value of the wrong type. The hub answers the REST API with a 400 and the spawn form with its
 * message; nothing is started.
 *
 * @since 0.3
 */
public class InvalidOptionsException extends HubException {
    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * @param field the option the problem is with, as the form and the JSON body name it
     * @param message what is wrong, for people; names the field and may list what was offered
     */
    public InvalidOptionsException(String field, String message) {
        super(message);
        this.field = Objects.requireNonNull(field, "field");
    }

    /** @return the option the problem is with */
    public String field() {
        return field;
    }
}
