package org.hubkit.docker.internal;

import java.util.regex.Pattern;
import org.hubkit.api.ServerId;
import org.hubkit.api.Usernames;

/**
 * Container and volume names, and template expansion. Every user or server name goes through
 * {@link Usernames#escape} (only {@code [a-z0-9-]}, every other UTF-8 byte {@code -xx}), which is
 * injective and never holds {@code /}, {@code .} or a NUL, so two users never share a name and no
 * expanded path can leave its parent directory. Stateless.
 */
public final class Names {
    /** What the engine accepts as a container or volume name. */
    public static final Pattern DOCKER_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    private Names() {
    }

    /**
     * @param template holding {@code {username}} and possibly {@code {servername}}
     * @param server the server
     * @return the container's name: the template expanded, then {@code --{servername}} for a named
     *         server whose template does not place the server name itself
     */
    public static String containerName(String template, ServerId server) {
        String name = expand(template, server);
        if (!server.isDefault() && !template.contains("{servername}")) {
            name = name + "--" + Usernames.escape(server.serverName());
        }
        return name;
    }

    /**
     * Replaces {@code {username}} and {@code {servername}} with their escaped forms (an empty
     * server name for the default server).
     *
     * @param template a template
     * @param server the server
     * @return the expansion
     */
    public static String expand(String template, ServerId server) {
        return template.replace("{username}", Usernames.escape(server.user()))
                .replace("{servername}", server.isDefault() ? "" : Usernames.escape(server.serverName()));
    }

    /**
     * @param template a container name template
     * @return why it cannot give valid container names, or {@code null}
     */
    public static String containerTemplateProblem(String template) {
        if (template == null || !template.contains("{username}")) {
            return "must hold {username}, so that each user gets a container of their own";
        }
        String sample = template.replace("{username}", "x").replace("{servername}", "x");
        if (!DOCKER_NAME.matcher(sample).matches()) {
            return "gives names the engine refuses ('" + sample + "'): start with a letter or digit, then letters, digits, '_', '.', '-'";
        }
        return null;
    }

    /**
     * @param template a volume source template: a volume name, or an absolute host path
     * @return why it cannot give valid sources, or {@code null}
     */
    public static String volumeSourceProblem(String template) {
        if (template == null || template.isBlank()) {
            return "must not be empty";
        }
        if (template.startsWith("/")) {
            for (String part : template.split("/")) {
                if (part.equals("..") || part.equals(".")) {
                    return "must not hold '.' or '..' path segments";
                }
            }
            return template.indexOf('\0') >= 0 ? "must not hold a NUL" : null;
        }
        String sample = template.replace("{username}", "x").replace("{servername}", "x");
        return DOCKER_NAME.matcher(sample).matches() ? null
                : "is neither an absolute host path nor a valid volume name ('" + sample + "')";
    }
}
