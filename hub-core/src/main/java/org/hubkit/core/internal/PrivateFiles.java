package org.hubkit.core.internal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Creates the hub's files and directories with the modes that keep them the hub's own, whatever
 * the process umask: directories {@code 0700}, files {@code 0600}, and {@code 0711} (search
 * only: nobody can list it, but a user can pass through to a home below) for a directory other
 * accounts' homes live under.
 *
 * <p>Modes are given as octal numbers ({@code 0700}). On a file system without POSIX
 * permissions every method does nothing but create. Stateless and thread-safe.
 */
public final class PrivateFiles {
    /** Owner only: the database directory without homes below, the log directory, each home. */
    public static final int PRIVATE_DIRECTORY = 0700;
    /** Owner may do anything, others only pass through: a directory with homes below it. */
    public static final int SEARCH_ONLY_DIRECTORY = 0711;
    /** Owner may read and write: database files, logs. */
    public static final int PRIVATE_FILE = 0600;
    /** Read and write for group and others: what {@link #restrict} takes away. */
    public static final int GROUP_OTHERS_READ_WRITE = 0066;

    private PrivateFiles() {
    }

    /**
     * Creates a directory and its missing parents without ever leaving one readable by others:
     * the directory gets {@code mode}, each parent created on the way {@value #SEARCH_ONLY_DIRECTORY}
     * (octal 0711). Existing directories are not changed.
     *
     * @param dir the directory
     * @param mode its mode if it is created, e.g. {@code 0700}
     * @return whether {@code dir} itself was created
     * @throws IOException if a directory cannot be created
     */
    public static boolean createDirectories(Path dir, int mode) throws IOException {
        Path absolute = dir.toAbsolutePath().normalize();
        if (Files.isDirectory(absolute)) {
            return false;
        }
        List<Path> missing = new ArrayList<>();
        for (Path p = absolute; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            missing.add(0, p);
        }
        boolean created = false;
        for (Path p : missing) {
            int m = p.equals(absolute) ? mode : SEARCH_ONLY_DIRECTORY;
            try {
                Files.createDirectory(p, attribute(p, m));
                setMode(p, m); // the umask may have taken bits from the mode asked for
                created |= p.equals(absolute);
            } catch (FileAlreadyExistsException raced) {
                if (!Files.isDirectory(p)) {
                    throw raced;
                }
            }
        }
        return created;
    }

    /**
     * Creates an empty file with mode {@code 0600}, or sets an existing one to {@code 0600}, so
     * that whatever is written to it later is never readable by others.
     *
     * @param file the file
     * @throws IOException if it cannot be created or its mode set
     */
    public static void privateFile(Path file) throws IOException {
        try {
            Files.createFile(file, attribute(file, PRIVATE_FILE));
        } catch (FileAlreadyExistsException exists) {
            // fine: its mode is set below
        }
        setMode(file, PRIVATE_FILE);
    }

    /**
     * Takes bits away from a mode, never adds any.
     *
     * @param path a file or directory
     * @param bits the bits to clear, e.g. {@link #GROUP_OTHERS_READ_WRITE}
     * @return the mode before, or -1 where the file system has no POSIX modes
     * @throws IOException if the mode cannot be read or set
     */
    public static int restrict(Path path, int bits) throws IOException {
        int before = mode(path);
        if (before >= 0 && (before & bits) != 0) {
            setMode(path, before & ~bits);
        }
        return before;
    }

    /**
     * @param path a file or directory (links followed)
     * @param mode the permission bits, e.g. {@code 0700}
     * @throws IOException if it cannot be set
     */
    public static void setMode(Path path, int mode) throws IOException {
        if (posix(path)) {
            Files.setPosixFilePermissions(path, permissions(mode));
        }
    }

    /**
     * @param path a file or directory (links followed)
     * @return its permission bits ({@code 0755}), or -1 where the file system has no POSIX modes
     * @throws IOException if they cannot be read
     */
    public static int mode(Path path) throws IOException {
        if (!posix(path)) {
            return -1;
        }
        int mode = 0;
        for (PosixFilePermission p : Files.getPosixFilePermissions(path)) {
            mode |= bit(p);
        }
        return mode;
    }

    /** @return the mode as {@code ls} shows it in octal, e.g. {@code 0711} */
    public static String octal(int mode) {
        return mode < 0 ? "?" : String.format("0%o", mode);
    }

    private static boolean posix(Path path) {
        Path existing = path.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing != null && existing.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static FileAttribute<?>[] attribute(Path path, int mode) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions(mode))}
                : new FileAttribute<?>[0];
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & bit(p)) != 0) {
                set.add(p);
            }
        }
        return set;
    }

    private static int bit(PosixFilePermission p) {
        return switch (p) {
            case OWNER_READ -> 0400;
            case OWNER_WRITE -> 0200;
            case OWNER_EXECUTE -> 0100;
            case GROUP_READ -> 0040;
            case GROUP_WRITE -> 0020;
            case GROUP_EXECUTE -> 0010;
            case OTHERS_READ -> 0004;
            case OTHERS_WRITE -> 0002;
            case OTHERS_EXECUTE -> 0001;
        };
    }
}
