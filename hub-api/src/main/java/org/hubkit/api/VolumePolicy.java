package org.hubkit.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decides how a user's storage is mounted into their server: a per-user home, shared volumes,
 * read-only data. The hub asks once per spawn and passes the answer to the spawner in the
 * {@link SpawnRequest}.
 *
 * <p>The first read-write mount is the server's home: the local-process spawner uses it as the
 * working directory and notebook root. Implementations must be thread-safe and fast (no I/O
 * beyond creating a directory).
 *
 * @since 0.1
 */
@FunctionalInterface
public interface VolumePolicy {
    /**
     * @param server the server being spawned; its user name is already validated
     * @param user the user
     * @return the mounts, home first; may be empty
     */
    List<Mount> mounts(ServerId server, UserInfo user);

    /** @return a policy that gives servers no storage of their own */
    static VolumePolicy none() {
        return (server, user) -> List.of();
    }

    /**
     * A directory per user under {@code root}, named by {@link Usernames#escape}, mounted at
     * {@code target}; named servers share their user's directory, as with JupyterHub's
     * local spawners.
     *
     * @param root the parent directory
     * @param target where containers see it, e.g. {@code /home/jovyan/work}
     * @return the policy
     */
    static VolumePolicy perUserDirectory(Path root, String target) {
        Objects.requireNonNull(root, "root");
        Path absolute = root.toAbsolutePath().normalize();
        return (server, user) -> List.of(new Mount(Mount.Kind.DIRECTORY,
                absolute.resolve(Usernames.escape(server.user())).toString(), target, false));
    }

    /**
     * A named volume per user, {@code prefix + escaped name}, as DockerSpawner's documented
     * {@code jupyterhub-user-{username}} volume.
     *
     * @param prefix the volume name prefix, e.g. {@code jupyterhub-user-}
     * @param target the mount point inside the container
     * @return the policy
     */
    static VolumePolicy perUserVolume(String prefix, String target) {
        return (server, user) -> List.of(new Mount(Mount.Kind.VOLUME,
                prefix + Usernames.escape(server.user()), target, false));
    }

    /**
     * @param extra mounts added after this policy's, the same for every user (shared or read-only data)
     * @return a policy giving this policy's mounts followed by {@code extra}
     */
    default VolumePolicy with(List<Mount> extra) {
        List<Mount> copy = List.copyOf(extra);
        return (server, user) -> {
            List<Mount> all = new ArrayList<>(mounts(server, user));
            all.addAll(copy);
            return List.copyOf(all);
        };
    }
}
