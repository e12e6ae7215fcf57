package org.hubkit.docker.internal;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which GPUs a container asks for: every one ({@code all}), a number, or a list of device ids,
 * as {@code docker run --gpus} takes them; sent as a device request to the NVIDIA driver.
 *
 * @param count -1 for all, else the number (0 when ids are named)
 * @param deviceIds the named devices, else empty
 */
public record Gpus(int count, List<String> deviceIds) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]*");

    /** Copies the ids. */
    public Gpus {
        deviceIds = List.copyOf(deviceIds);
    }

    /**
     * @param text {@code all}, a positive number, or device ids: {@code device=} and one or more ids separated by commas
     *        ({@code device=0}, {@code device=0,1}, as {@code docker run --gpus} takes them), or without {@code device=}
     *        two or more ids ({@code 0,1}) or one that is not a number ({@code GPU-3a...})
     * @return the request
     * @throws IllegalArgumentException for anything else
     */
    public static Gpus parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.equals("all")) {
            return new Gpus(-1, List.of());
        }
        if (t.matches("[0-9]{1,4}")) {
            if (Integer.parseInt(t) == 0) {
                throw new IllegalArgumentException("must not be 0 (leave it out for no GPU)");
            }
            return new Gpus(Integer.parseInt(t), List.of());
        }
        String list = t.startsWith("device=") ? t.substring("device=".length()).strip() : t;
        List<String> ids = List.of(list.split(",", -1)).stream().map(String::strip).toList();
        if (list.isEmpty() || ids.stream().anyMatch(id -> !ID.matcher(id).matches() || id.equals("all"))) {
            throw new IllegalArgumentException("must be all, a positive number of GPUs, or device ids (device=0, or 0,1); got '"
                    + text + "'");
        }
        return new Gpus(0, ids);
    }
}
