package org.hubkit.api;

import java.util.Map;

/**
 * What a person typed into the login form.
 *
 * @param username the name as typed (not yet normalised)
 * @param password the password; never logged, never stored
 * @param form every other form field
 * @since 0.1
 */
public record Credentials(String username, String password, Map<String, String> form) {
    /** Copies the form. */
    public Credentials {
        username = username == null ? "" : username;
        password = password == null ? "" : password;
        form = Map.copyOf(form);
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + ", password=***]";
    }
}
