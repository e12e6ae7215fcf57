package org.hubkit.api;

import java.util.Objects;

/**
 * Names one single-user server: a user's default server ({@code serverName} empty) or one of
 * their named servers.
 *
 * @param user the owner's (normalised, validated) name
 * @param serverName {@code ""} for the default server
 * @since 0.1
 */
public record ServerId(String user, String serverName) {
    /**
     * Validates the parts.
     *
     * @throws InvalidUsernameException if the user name is not acceptable
     * @throws InvalidServerNameException if the server name is not acceptable
     */
    public ServerId {
        Usernames.validate(user);
        Objects.requireNonNull(serverName, "serverName");
        if (!serverName.isEmpty()) {
            Usernames.validateServerName(serverName);
        }
    }

    /**
     * @param user the owner
     * @return the user's default server
     */
    public static ServerId defaultServer(String user) {
        return new ServerId(user, "");
    }

    /** @return whether this is the default server */
    public boolean isDefault() {
        return serverName.isEmpty();
    }

    /** @return JupyterHub's {@code user/server} form, as used in {@code !server=} scope filters */
    public String qualifiedName() {
        return user + "/" + serverName;
    }

    @Override
    public String toString() {
        return isDefault() ? user : user + "/" + serverName;
    }
}
