package org.hubkit.docker.internal;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes as DockerSpawner writes them ({@code 512M}, {@code 2G}, {@code 1.5G}, plain bytes), in powers of 1024. */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)([KMGT]?)", Pattern.CASE_INSENSITIVE);

    private Sizes() {
    }

    /**
     * @param text a size
     * @return it in bytes
     * @throws IllegalArgumentException saying what is accepted, for anything else (also zero)
     */
    public static long parse(String text) {
        Matcher m = text == null ? null : SIZE.matcher(text.strip());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("must be a size such as 512M or 2G (K, M, G, T: powers of 1024); got '"
                    + text + "'");
        }
        int power = m.group(2).isEmpty() ? 0 : "KMGT".indexOf(m.group(2).toUpperCase(Locale.ROOT)) + 1;
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1024).pow(power));
        if (bytes.signum() <= 0 || bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("must be more than 0 and less than 8E; got '" + text + "'");
        }
        return bytes.longValue();
    }

    /**
     * @param text a number of CPUs ({@code 0.5}, {@code 2})
     * @return it
     * @throws IllegalArgumentException for anything else, zero or a negative number
     */
    public static double cpus(String text) {
        try {
            double v = Double.parseDouble(text.strip());
            if (v > 0 && v <= 4096 && !text.strip().matches(".*[a-zA-Z].*")) {
                return v;
            }
        } catch (NumberFormatException | NullPointerException e) {
            // reported below
        }
        throw new IllegalArgumentException("must be a positive number of CPUs such as 0.5 or 2; got '" + text + "'");
    }
}
