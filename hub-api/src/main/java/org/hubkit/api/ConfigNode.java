package org.hubkit.api;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One mapping of a configuration file (the {@code spawner:} section, an entry of a list), as a
 * {@link ComponentFactory} reads it. Every getter takes a key of this mapping and returns its
 * value, or the default when the key is absent or written as null; a value of the wrong type or
 * out of range is recorded as a problem and the default is returned, so that a factory reads on
 * and the user learns of every problem at once.
 *
 * <p><b>What the reader guarantees.</b> Problems are reported under the key's full dotted path
 * ({@code spawner.cmd}, {@code auth.adminUsers[1]}), in the order of the file, together with the
 * problems of every other part of it. Messages say what was expected and what was found; a value
 * read with {@link #secret} is never echoed, nor logged. Every key a factory reads (or asks
 * {@link #has} about) is a key of its type: any other key found in the mapping is reported as
 * unknown, with the closest of the keys read as a suggestion ("did you mean"); what lies inside a
 * value read with {@link #value} is the factory's to check. Relative paths are kept relative.
 *
 * <p><b>What the reader expects.</b> A factory reads every key its type supports on every call,
 * whatever the values (a key read only under some condition would be reported as unknown
 * otherwise). It reports problems only through this node ({@link #problem}), never by throwing.
 * A node is used on the thread that was given it, during the call only.
 *
 * @since 0.2
 */
public interface ConfigNode {
    /** @return the dotted path of this mapping in the file ({@code spawner}, {@code services[0]}); {@code ""} for the root */
    String key();

    /**
     * @param name a key of this mapping, or a path below it ({@code adminPassword}, {@code environment.TZ})
     * @return its dotted path in the file ({@code auth.adminPassword}), for a message that names another key
     */
    String key(String name);

    /**
     * @param name a key of this mapping
     * @return whether it is present with a value other than null; the key counts as read
     */
    boolean has(String name);

    /**
     * @param name a key
     * @param defaultValue returned when it is absent
     * @return a string
     */
    String string(String name, String defaultValue);

    /**
     * A string that is never echoed in messages or shown by {@code toString()}: a password, a token.
     *
     * @param name a key
     * @param defaultValue returned when it is absent
     * @return a string
     */
    String secret(String name, String defaultValue);

    /**
     * @param name a key
     * @param defaultValue returned when it is absent or out of range
     * @param min the smallest value allowed
     * @param max the largest value allowed ({@link Integer#MAX_VALUE} for no limit)
     * @return an integer from {@code min} to {@code max}
     */
    int integer(String name, int defaultValue, int min, int max);

    /**
     * @param name a key
     * @param defaultValue returned when it is absent
     * @return {@code true} or {@code false}, as written (no "yes", no quotes)
     */
    boolean bool(String name, boolean defaultValue);

    /**
     * @param name a key
     * @param defaultValue returned when it is absent
     * @return a positive duration written as a number of seconds ({@code 2.5} allowed), at most a year
     */
    Duration seconds(String name, Duration defaultValue);

    /**
     * @param name a key
     * @return a list of strings; empty when absent
     */
    List<String> strings(String name);

    /**
     * A command: one string split into words as a POSIX shell would, without expanding anything
     * ({@code "python3 -m x '--a=b c'"}), or a list of strings taken as is. Either must name a
     * command.
     *
     * @param name a key
     * @param defaultValue returned when it is absent or invalid
     * @return the command's words
     */
    List<String> command(String name, List<String> defaultValue);

    /**
     * @param name a key
     * @return a mapping of names to strings, in the file's order; empty when absent
     */
    Map<String, String> stringMap(String name);

    /**
     * @param name a key
     * @param defaultValue returned when it is absent or invalid
     * @return a path, as written (relative paths stay relative)
     */
    Path path(String name, Path defaultValue);

    /**
     * @param name a key
     * @param defaultValue returned when it is absent or invalid
     * @return an {@code http://} or {@code https://} URL with a host and no query, fragment or user info
     */
    URI url(String name, URI defaultValue);

    /**
     * @param name a key
     * @param defaultValue returned when it is absent or not one of {@code allowed}
     * @param allowed the values allowed, in the order a message lists them
     * @return one of {@code allowed}
     */
    String oneOf(String name, String defaultValue, List<String> allowed);

    /**
     * The value as written, whatever its shape, for a key that takes several ({@code volumes./data}
     * as {@code /data:ro} or as {@code {bind: /data, mode: ro}}; a list or a mapping of images).
     * Plain Java, unmodifiable, the same from every reader:
     * <ul>
     * <li>a string: {@link String};</li>
     * <li>{@code true}/{@code false}: {@link Boolean};</li>
     * <li>an integer: {@link Long} ({@link java.math.BigInteger} beyond a long's range);</li>
     * <li>any other number: {@link Double} ({@code 1.5}, {@code 1e3});</li>
     * <li>a list: {@code List<Object>} of these, a null entry as {@code null};</li>
     * <li>a mapping: {@code Map<String, Object>} of these, in the file's order, a null value as {@code null}.</li>
     * </ul>
     *
     * <p>The key counts as read, with everything below it: no key inside the value is reported as
     * unknown, and no problem is reported at all. Checking the shape is the caller's: it reports
     * every wrong part with {@link #problem} under the most precise path ({@code volumes./data},
     * {@code allowedImages.Python.groups[0]}), and reads on. Prefer the typed getters where one shape
     * is allowed; they check and explain for themselves.
     *
     * @param name a key
     * @return the value, or {@code null} when absent or written as null
     * @since 0.3
     */
    Object value(String name);

    /**
     * @param name a key holding a nested mapping
     * @return it; an empty node at that path when absent (or not a mapping, which is a problem)
     */
    ConfigNode node(String name);

    /**
     * @param name a key holding a list of mappings
     * @return one node per entry ({@code name[0]}, {@code name[1]}, ...); empty when absent.
     *         An entry that is not a mapping is a problem and has no node.
     */
    List<ConfigNode> nodes(String name);

    /**
     * Records a problem that the getters cannot see (a value out of a set that depends on another
     * key, two keys that conflict).
     *
     * @param name the key it is about, or a path below it ({@code adminUsers[1]}); {@code ""} for the whole mapping
     * @param message what is wrong, without the key; must not hold a secret value
     */
    void problem(String name, String message);
}
