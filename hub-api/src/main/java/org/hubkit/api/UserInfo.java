package org.hubkit.api;

import java.util.Map;
import java.util.Set;

/**
 * What a spawner is told about the user whose server it starts.
 *
 * @param name the normalised username
 * @param admin whether the user is a hub admin
 * @param groups the user's group names
 * @param authState what the authenticator returned as auth state (possibly empty), e.g. an
 *        access token for an external service; never logged by the hub
 * @since 0.1
 */
public record UserInfo(String name, boolean admin, Set<String> groups, Map<String, Object> authState) {
    /** Copies the collections. */
    public UserInfo {
        Usernames.validate(name);
        groups = Set.copyOf(groups);
        authState = Copies.jsonObject(authState);
    }

    @Override
    public String toString() {
        return "UserInfo[name=" + name + ", admin=" + admin + ", groups=" + groups + "]";
    }
}
