package org.hubkit.core;

import java.util.Objects;
import org.hubkit.api.ConfigException;

/**
 * An external service declared in configuration, as JupyterHub's {@code c.JupyterHub.services}:
 * a name and an API token it uses against the REST API. An admin service holds JupyterHub's
 * {@code admin} role; others can only identify themselves.
 *
 * @param name the service name
 * @param apiToken its token; stored hashed, never logged
 * @param admin whether it has the admin role
 * @since 0.1
 */
public record Service(String name, String apiToken, boolean admin) {
    /** Checks the parts. */
    public Service {
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw ConfigException.of("name", "must be 1-64 of [A-Za-z0-9._-], got '" + name + "'");
        }
        Objects.requireNonNull(apiToken, "apiToken");
        if (apiToken.length() < 8) {
            throw ConfigException.of("apiToken", "must be at least 8 characters");
        }
    }

    @Override
    public String toString() {
        return "Service[name=" + name + ", admin=" + admin + "]";
    }
}
