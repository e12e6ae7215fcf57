package org.hubkit.docker.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hubkit.api.InvalidOptionsException;
import org.hubkit.api.SpawnOptionsForm;
import org.hubkit.api.SpawnOptionsForm.Choice;
import org.hubkit.api.SpawnOptionsForm.Field;
import org.hubkit.api.UserInfo;

/**
 * The spawn form a Docker spawner offers (fields {@code image}, {@code memLimit},
 * {@code cpuLimit}, {@code gpus}) and how a validated answer becomes settings. Immutable.
 *
 * @param form the form, {@link SpawnOptionsForm#NONE} when nothing is offered
 * @param images the image each {@code image} choice's value stands for
 */
public record SpawnChoices(SpawnOptionsForm form, Map<String, String> images) {
    /** The fields, in the order the form shows them. */
    public static final List<String> FIELDS = List.of("image", "memLimit", "cpuLimit", "gpus");

    /** Copies the map. */
    public SpawnChoices {
        images = Map.copyOf(images);
    }

    /**
     * @param imageChoices the image choices, with the image each value stands for
     * @param defaults the default value per field, or none
     * @param others choices for {@code memLimit}, {@code cpuLimit}, {@code gpus}
     * @return the choices
     * @throws IllegalArgumentException from the form's own checks (a value offered twice, a default not offered)
     */
    public static SpawnChoices of(Map<Choice, String> imageChoices, Map<String, String> defaults, Map<String, List<Choice>> others) {
        List<Field> fields = new ArrayList<>();
        Map<String, String> images = new LinkedHashMap<>();
        if (!imageChoices.isEmpty()) {
            imageChoices.forEach((c, image) -> images.put(c.value(), image));
            fields.add(new Field("image", "Image", List.copyOf(imageChoices.keySet()), defaults.get("image")));
        }
        for (String name : FIELDS.subList(1, FIELDS.size())) {
            List<Choice> choices = others.getOrDefault(name, List.of());
            if (!choices.isEmpty()) {
                fields.add(new Field(name, label(name), choices, defaults.get(name)));
            }
        }
        return new SpawnChoices(new SpawnOptionsForm(fields), images);
    }

    private static String label(String field) {
        return switch (field) {
            case "memLimit" -> "Memory";
            case "cpuLimit" -> "CPUs";
            default -> "GPUs";
        };
    }

    /**
     * Checks the hub's validated answer again, for this user (a forged or stale value never
     * reaches the engine), and fills in defaults.
     *
     * @param user the user
     * @param userOptions the options the hub passed
     * @return every field's value by field name; empty when no form is offered
     * @throws InvalidOptionsException naming the field
     */
    public Map<String, Object> resolve(UserInfo user, Map<String, Object> userOptions) {
        if (form.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> mine = new LinkedHashMap<>();
        userOptions.forEach((k, v) -> {
            if (FIELDS.contains(k) || form.fields().stream().anyMatch(f -> f.name().equals(k))) {
                mine.put(k, v);
            }
        });
        for (String k : userOptions.keySet()) {
            if (!mine.containsKey(k)) {
                throw new InvalidOptionsException(k, "Unknown spawn option '" + k + "'; offered: "
                        + form.fields().stream().map(Field::name).toList());
            }
        }
        SpawnOptionsForm own = form.forUser(user);
        for (String k : mine.keySet()) {
            if (own.fields().stream().noneMatch(f -> f.name().equals(k))) {
                throw new InvalidOptionsException(k, "Spawn option '" + k + "' is not offered to " + user.name());
            }
        }
        Map<String, Object> resolved = own.resolve(mine);
        Object image = resolved.get("image");
        if (image != null && !images.containsKey(image)) {
            throw new InvalidOptionsException("image", "'" + image + "' is not an image offered");
        }
        return resolved;
    }
}
