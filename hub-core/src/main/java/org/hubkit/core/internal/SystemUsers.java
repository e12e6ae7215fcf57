package org.hubkit.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.SpawnException;
import org.hubkit.api.Usernames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Linux accounts single-user servers run as: finds them ({@code getent}, {@code id}),
 * creates them ({@code useradd}), hands each its home, and prefixes a command with
 * {@code setpriv} so that it runs with the account's uid, gid and groups and can never gain
 * privileges again. Only for a hub running as root.
 *
 * <p>An account Hubkit creates is a normal one (uid from {@code UID_MIN} up, a group of its
 * own, no password, shell {@code /bin/bash}, no home copied from {@code /etc/skel}) whose comment
 * field records the hub user it is for ({@link #marker}). An existing account is used only if it
 * is not root's (uid and gid not 0), if its comment does not name another hub user, and, below
 * {@code UID_MIN} (system accounts such as {@code www-data}), only if Hubkit created it.
 *
 * <p>Thread-safe. The work for one account (lookup, creation, its home) is serialised by a lock
 * per account name; {@code useradd} runs one at a time in this JVM, as concurrent runs fail on
 * the lock of {@code /etc/passwd}.
 */
public final class SystemUsers {
    private static final Logger LOG = LoggerFactory.getLogger(SystemUsers.class);
    /** What the comment field of an account Hubkit created starts with. */
    static final String MARKER_PREFIX = "Hubkit user ";
    private static final Object USERADD = new Object();
    private static final Map<String, Object> ACCOUNT_LOCKS = new ConcurrentHashMap<>();
    private static final Map<String, String> TOOL_ENV = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL", "C");

    /**
     * An account.
     *
     * @param name its name
     * @param uid its user id
     * @param gid its primary group id
     * @param comment its comment (GECOS) field
     * @param groups every group id it is in, the primary one included
     */
    public record Account(String name, int uid, int gid, String comment, Set<Integer> groups) {
        /** Copies the set. */
        public Account {
            groups = Set.copyOf(groups);
        }
    }

    private final String getent;
    private final String id;
    private final String useradd;
    private final String setpriv;
    private final int uidMin;

    private SystemUsers(String getent, String id, String useradd, String setpriv, int uidMin) {
        this.getent = getent;
        this.id = id;
        this.useradd = useradd;
        this.setpriv = setpriv;
        this.uidMin = uidMin;
    }

    /**
     * Finds the tools.
     *
     * @param create whether accounts may be created (then {@code useradd} is needed too)
     * @param problems where to add a line for each tool that is missing
     * @return the accounts, or empty if a tool is missing
     */
    public static Optional<SystemUsers> locate(boolean create, List<String> problems) {
        String getent = tool("getent", "glibc's libc-bin", problems);
        String id = tool("id", "coreutils", problems);
        String setpriv = tool("setpriv", "util-linux", problems);
        String useradd = create ? tool("useradd", "passwd", problems) : null;
        if (getent == null || id == null || setpriv == null || (create && useradd == null)) {
            return Optional.empty();
        }
        return Optional.of(new SystemUsers(getent, id, useradd, setpriv, uidMin(Path.of("/etc/login.defs"))));
    }

    private static String tool(String name, String from, List<String> problems) {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        problems.add("isolation: servers in their own accounts need " + name + " (" + from
                + "), not found in /usr/bin, /bin, /usr/sbin or /sbin");
        return null;
    }

    /** {@code UID_MIN} of {@code login.defs}, where {@code useradd} starts normal accounts; 1000 if unset. */
    static int uidMin(Path loginDefs) {
        try {
            for (String line : Files.readAllLines(loginDefs, StandardCharsets.UTF_8)) {
                String[] words = line.strip().split("\\s+");
                if (words.length >= 2 && words[0].equals("UID_MIN")) {
                    return Integer.parseInt(words[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the default below
        }
        return 1000;
    }

    /**
     * @return the uid of this process, or -1 if it cannot be told (not a Unix system)
     */
    public static long currentUid() {
        try {
            return new com.sun.security.auth.module.UnixSystem().getUid();
        } catch (RuntimeException | LinkageError e) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("Uid:")) {
                        return Long.parseLong(line.substring(4).strip().split("\\s+")[0]);
                    }
                }
            } catch (IOException | RuntimeException e2) {
                // unknown
            }
            return -1;
        }
    }

    /**
     * @param hubUser a hub user name
     * @return the comment field of the account Hubkit creates for that user
     */
    static String marker(String hubUser) {
        String escaped = Usernames.escape(hubUser);
        return MARKER_PREFIX + (escaped.length() <= 200 ? escaped : "sha256 " + sha256(hubUser));
    }

    private static String sha256(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Finds the account for a hub user, creating it if allowed, and checks that servers may run as it.
     *
     * @param name the account name (from the template)
     * @param hubUser the hub user
     * @param home the home directory recorded for a new account
     * @param create whether a missing account is created
     * @return the account
     * @throws SpawnException if it is missing and may not be created, cannot be created, or may not be used
     */
    public Account ensure(String name, String hubUser, Path home, boolean create) {
        synchronized (ACCOUNT_LOCKS.computeIfAbsent(name, n -> new Object())) {
            Optional<Account> found = find(name);
            if (found.isEmpty()) {
                if (!create) {
                    throw new SpawnException("There is no OS account " + name + " for hub user " + hubUser
                            + " and createSystemUsers is off: create it (for instance useradd --user-group --no-create-home"
                            + " --comment '" + marker(hubUser) + "' " + name + ") or turn createSystemUsers on");
                }
                found = Optional.of(create(name, hubUser, home));
            }
            Account a = found.get();
            if (a.uid() == 0 || a.gid() == 0) {
                throw new SpawnException("The OS account " + name + " for hub user " + hubUser + " has uid " + a.uid()
                        + " and gid " + a.gid() + "; a server never runs as root or with root's group");
            }
            boolean ours = a.comment().startsWith(MARKER_PREFIX);
            if (ours && !a.comment().equals(marker(hubUser))) {
                throw new SpawnException("The OS account " + name + " was created for another hub user ('" + a.comment()
                        + "'), not for " + hubUser + "; two hub users never share an account: change"
                        + " systemUserTemplate or remove the account");
            }
            if (!ours && a.uid() < uidMin) {
                throw new SpawnException("The OS account " + name + " for hub user " + hubUser + " is a system account (uid "
                        + a.uid() + ", below UID_MIN " + uidMin + ") that Hubkit did not create; servers do not run as system"
                        + " accounts: use a systemUserTemplate with a prefix, such as jupyter-{username}");
            }
            return a;
        }
    }

    /** @return the account, or empty if there is none of that name */
    Optional<Account> find(String name) {
        Result r = run(List.of(getent, "passwd", name));
        if (r.status == 2) {
            return Optional.empty();
        }
        if (r.status != 0) {
            throw new SpawnException("getent passwd " + name + " failed (status " + r.status + "): " + r.output.strip());
        }
        String[] f = r.output.strip().split(":", -1);
        if (f.length < 7 || !f[0].equals(name)) {
            throw new SpawnException("getent passwd " + name + " gave an entry that cannot be read: " + r.output.strip());
        }
        Result g = run(List.of(id, "-G", name));
        if (g.status != 0) {
            throw new SpawnException("id -G " + name + " failed (status " + g.status + "): " + g.output.strip());
        }
        Set<Integer> groups = new HashSet<>();
        for (String gid : g.output.strip().split("\\s+")) {
            groups.add(Integer.parseInt(gid));
        }
        int gid = Integer.parseInt(f[3]);
        groups.add(gid);
        return Optional.of(new Account(name, Integer.parseInt(f[2]), gid, f[4], groups));
    }

    private Account create(String name, String hubUser, Path home) {
        synchronized (USERADD) {
            List<String> cmd = List.of(useradd, "--user-group", "--no-create-home", "--home-dir", home.toAbsolutePath().normalize().toString(),
                    "--shell", "/bin/bash", "--comment", marker(hubUser), name);
            Result r = null;
            for (int attempt = 0; attempt < 5; attempt++) {
                r = run(cmd);
                if (r.status == 0 || r.status == 9) { // 9: the name is taken (another hub made it meanwhile)
                    break;
                }
                sleep(200L * (attempt + 1)); // 1, 10: /etc/passwd or /etc/group locked by another process
            }
            Optional<Account> made = find(name);
            if (made.isEmpty()) {
                throw new SpawnException("Cannot create the OS account " + name + " for hub user " + hubUser
                        + ": useradd exited with status " + r.status + ": " + r.output.strip());
            }
            LOG.info("Created OS account {} (uid {}) for hub user {}", name, made.get().uid(), hubUser);
            return made.get();
        }
    }

    /**
     * Makes {@code home} the account's: creates it ({@code 0700}, missing parents {@code 0711})
     * or, if it exists, checks it is a directory of the account's (or hands over one the hub
     * made, see below) and sets it to {@code 0700}.
     *
     * <p>A home still owned by the hub's own user (made before servers had accounts of their own)
     * is handed over once: every entry the hub's user owns becomes the account's. Links are not
     * followed and a file with more than one hard link is left alone (it may be a link to a file
     * outside the home).
     *
     * @param home the home
     * @param a the account
     * @param hubUid the hub's own uid
     * @throws SpawnException if the home is not a directory, or belongs to another account
     */
    public void prepareHome(Path home, Account a, long hubUid) {
        synchronized (ACCOUNT_LOCKS.computeIfAbsent(a.name(), n -> new Object())) {
            try {
                PrivateFiles.createDirectories(home.getParent(), PrivateFiles.SEARCH_ONLY_DIRECTORY);
                if (PrivateFiles.createDirectories(home, PrivateFiles.PRIVATE_DIRECTORY)) {
                    chown(home, a);
                    return;
                }
                if (Files.isSymbolicLink(home) || !Files.isDirectory(home, LinkOption.NOFOLLOW_LINKS)) {
                    throw new SpawnException("The home " + home + " of " + a.name() + " is not a directory (or is a link)");
                }
                int owner = (Integer) Files.getAttribute(home, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                if (owner == hubUid && owner != a.uid()) {
                    handOver(home, a, (int) hubUid);
                } else if (owner != a.uid()) {
                    throw new SpawnException("The home " + home + " belongs to uid " + owner + ", not to " + a.name() + " (uid "
                            + a.uid() + "); if it is " + a.name() + "'s, run: chown -R " + a.uid() + ":" + a.gid() + " " + home);
                }
                PrivateFiles.setMode(home, PrivateFiles.PRIVATE_DIRECTORY);
            } catch (IOException e) {
                throw new SpawnException("Cannot prepare the home " + home + " of " + a.name() + ": " + e, e);
            }
        }
    }

    private static void chown(Path p, Account a) throws IOException {
        Files.setAttribute(p, "unix:gid", a.gid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:uid", a.uid(), LinkOption.NOFOLLOW_LINKS);
    }

    private static void handOver(Path home, Account a, int hubUid) throws IOException {
        int[] counts = new int[2];
        Files.walkFileTree(home, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                take(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile() && (Integer) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS) > 1) {
                    counts[1]++;
                } else {
                    take(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                LOG.warn("Cannot hand {} over to {}: {}", file, a.name(), e.toString());
                return FileVisitResult.CONTINUE;
            }

            private void take(Path p) throws IOException {
                if ((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) == hubUid) {
                    chown(p, a);
                    counts[0]++;
                }
            }
        });
        LOG.info("Handed the home {} over to {} (uid {}): {} entries now theirs{}", home, a.name(), a.uid(), counts[0],
                counts[1] == 0 ? "" : "; " + counts[1] + " files with several hard links left to uid " + hubUid);
    }

    /**
     * Checks that the account can pass through every directory above its home, as the kernel
     * will check it: owner bits if it owns the directory, else group bits if it is in the
     * directory's group, else the bits for others.
     *
     * @param home the home
     * @param a the account
     * @throws SpawnException naming the first directory it cannot pass, and the fix
     */
    public void checkReachable(Path home, Account a) {
        for (Path p = home.toAbsolutePath().normalize().getParent(); p != null; p = p.getParent()) {
            try {
                int owner = (Integer) Files.getAttribute(p, "unix:uid");
                int group = (Integer) Files.getAttribute(p, "unix:gid");
                int mode = (Integer) Files.getAttribute(p, "unix:mode") & 07777;
                int bit = owner == a.uid() ? 0100 : a.groups().contains(group) ? 0010 : 0001;
                if ((mode & bit) == 0) {
                    throw new SpawnException(a.name() + " cannot reach its home " + home + ": the directory " + p + " (mode "
                            + PrivateFiles.octal(mode) + ", uid " + owner + ") does not let it pass. Let it pass without"
                            + " listing: chmod o+x " + p + " (0711), or keep the homes somewhere it can reach");
                }
            } catch (IOException e) {
                throw new SpawnException("Cannot check the directory " + p + " above the home of " + a.name() + ": " + e, e);
            }
        }
    }

    /**
     * @param a the account
     * @param command a command
     * @return the command run as the account: its uid, gid and groups, and no way to gain privileges
     */
    public List<String> asAccount(Account a, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of(setpriv, "--reuid=" + a.uid(), "--regid=" + a.gid(), "--init-groups",
                "--no-new-privs", "--"));
        cmd.addAll(command);
        return List.copyOf(cmd);
    }

    private record Result(int status, String output) {
    }

    private static Result run(List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(TOOL_ENV);
        try {
            Process p = pb.start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new SpawnException(cmd.get(0) + " did not finish within 30 s");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new SpawnException("Cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpawnException("Interrupted while running " + cmd.get(0), e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
