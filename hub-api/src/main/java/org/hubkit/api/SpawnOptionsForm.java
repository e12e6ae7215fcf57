package org.hubkit.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The choices a spawner offers before a server starts: which image, how much memory, a GPU or
 * not. The hub renders the form on {@code GET /hub/spawn} (escaped: labels are text, never
 * markup), and checks what comes back, from the form or from the REST API's JSON body, with
 * {@link #resolve} before anything starts; the spawner then finds the validated choices in
 * {@link SpawnRequest#userOptions()} under each field's name, as strings.
 *
 * <p>A choice may be kept for some groups ({@link Choice#groups()}): {@link #forUser} leaves out
 * the choices a user may not see, and a field left with no choices, so a user can neither see
 * nor send a choice outside their groups. JupyterHub's equivalents are a spawner's
 * {@code options_form} and {@code options_from_form}, and KubeSpawner's {@code profile_list};
 * here the model is data, so every spawner gets the same rendering, escaping and checks.
 *
 * @param fields the fields in the order the form shows them; names are unique
 * @since 0.3
 */
public record SpawnOptionsForm(List<Field> fields) {
    /** A form with no fields: the spawner offers no choices and the hub shows no form. */
    public static final SpawnOptionsForm NONE = new SpawnOptionsForm(List.of());

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");

    /** Copies the list and checks that field names are valid and unique. */
    public SpawnOptionsForm {
        fields = List.copyOf(fields);
        Set<String> seen = new LinkedHashSet<>();
        for (Field f : fields) {
            if (!seen.add(f.name())) {
                throw new IllegalArgumentException("spawn option field '" + f.name() + "' appears twice");
            }
        }
    }

    /**
     * One question of the form, answered by picking one of its choices.
     *
     * @param name the key under which the choice's value reaches the spawner and the REST API
     *        ({@code image}, {@code memLimit}): a letter, then letters, digits, {@code _ . -}
     * @param label what the form shows as the question
     * @param choices the possible answers, in the order shown; values are unique
     * @param defaultValue the value picked when the user sends none, or null for the first
     *        choice the user may see
     */
    public record Field(String name, String label, List<Choice> choices, String defaultValue) {
        /** Copies the list and checks the name, values and default. */
        public Field {
            Objects.requireNonNull(name, "name");
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("invalid spawn option field name '" + name
                        + "': a letter, then up to 63 letters, digits, '_', '.' or '-'");
            }
            label = label == null || label.isBlank() ? name : label;
            choices = List.copyOf(choices);
            if (choices.isEmpty()) {
                throw new IllegalArgumentException("spawn option field '" + name + "' has no choices");
            }
            Set<String> values = new LinkedHashSet<>();
            for (Choice c : choices) {
                if (!values.add(c.value())) {
                    throw new IllegalArgumentException("spawn option field '" + name + "' offers '" + c.value() + "' twice");
                }
            }
            if (defaultValue != null && !values.contains(defaultValue)) {
                throw new IllegalArgumentException("the default '" + defaultValue + "' of spawn option field '" + name
                        + "' is not one of its choices " + values);
            }
        }

        /** @return the choice with this value, if offered */
        public Optional<Choice> choice(String value) {
            return choices.stream().filter(c -> c.value().equals(value)).findFirst();
        }

        /** @return the value used when none is sent: the default, else the first choice */
        public String effectiveDefault() {
            return defaultValue != null ? defaultValue : choices.get(0).value();
        }
    }

    /**
     * One possible answer.
     *
     * @param value what is sent and stored (an image's short name, {@code 4G}); not blank
     * @param label what the form shows; the value when null or blank
     * @param description a line of help shown beside it, or empty
     * @param groups the groups whose members may see and pick it; empty means everyone
     */
    public record Choice(String value, String label, String description, Set<String> groups) {
        /** Checks the value and copies the groups. */
        public Choice {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("a spawn option choice needs a value");
            }
            label = label == null || label.isBlank() ? value : label;
            description = description == null ? "" : description;
            groups = Set.copyOf(groups);
        }

        /**
         * A choice open to everyone, labelled by its value.
         *
         * @param value the value
         * @return the choice
         */
        public static Choice of(String value) {
            return new Choice(value, value, "", Set.of());
        }

        /**
         * @param user a user
         * @return whether the user may see and pick this choice
         */
        public boolean allows(UserInfo user) {
            if (groups.isEmpty()) {
                return true;
            }
            for (String g : user.groups()) {
                if (groups.contains(g)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** @return whether the form has no fields */
    public boolean isEmpty() {
        return fields.isEmpty();
    }

    /**
     * The form as one user sees it: without the choices outside their groups, and without a
     * field that has none left. A field whose default the user may not pick defaults to their
     * first choice.
     *
     * @param user the user
     * @return the user's form
     */
    public SpawnOptionsForm forUser(UserInfo user) {
        List<Field> mine = new ArrayList<>();
        for (Field f : fields) {
            List<Choice> allowed = f.choices().stream().filter(c -> c.allows(user)).toList();
            if (!allowed.isEmpty()) {
                String def = f.defaultValue() != null && allowed.stream().anyMatch(c -> c.value().equals(f.defaultValue()))
                        ? f.defaultValue() : null;
                mine.add(new Field(f.name(), f.label(), allowed, def));
            }
        }
        return new SpawnOptionsForm(mine);
    }

    /**
     * Checks a user's answers against this form (call it on {@link #forUser}'s result) and
     * fills in the defaults. An answer is a string, or a list holding one string (an HTML
     * form's shape); a field left out or sent as null gets its default.
     *
     * @param chosen the answers by field name, from the form or the JSON body; may be null
     * @return every field's value, by field name, in the form's order
     * @throws InvalidOptionsException naming the field, for a field this form does not have,
     *         a value that is not a string, or a value that is not one of the field's choices
     */
    public Map<String, Object> resolve(Map<String, ?> chosen) {
        Map<String, ?> answers = chosen == null ? Map.of() : chosen;
        for (String key : answers.keySet()) {
            if (key == null || fields.stream().noneMatch(f -> f.name().equals(key))) {
                throw new InvalidOptionsException(String.valueOf(key), "Unknown spawn option '" + key + "'; offered: "
                        + fields.stream().map(Field::name).toList());
            }
        }
        Map<String, Object> resolved = new LinkedHashMap<>();
        for (Field f : fields) {
            Object raw = answers.get(f.name());
            if (raw instanceof List<?> list) {
                if (list.size() != 1) {
                    throw new InvalidOptionsException(f.name(), "Spawn option '" + f.name() + "' takes one value, not "
                            + list.size());
                }
                raw = list.get(0);
            }
            String value;
            if (raw == null) {
                value = f.effectiveDefault();
            } else if (raw instanceof String s) {
                value = s;
            } else {
                throw new InvalidOptionsException(f.name(), "Spawn option '" + f.name() + "' must be a string");
            }
            if (f.choice(value).isEmpty()) {
                throw new InvalidOptionsException(f.name(), "'" + shorten(value) + "' is not a choice of spawn option '"
                        + f.name() + "'; offered: " + f.choices().stream().map(Choice::value).toList());
            }
            resolved.put(f.name(), value);
        }
        return resolved;
    }

    private static String shorten(String s) {
        String printable = s.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= 80 ? printable : printable.substring(0, 80) + "...";
    }
}
