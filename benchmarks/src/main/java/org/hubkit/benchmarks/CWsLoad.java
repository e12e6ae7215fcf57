package org.hubkit.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The C WebSocket load client ({@code src/main/c/wsload.c}, packed in the jar as {@code c/wsload.c}):
 * compiled with gcc at run time into a folder, and its command line. Closed loop only; the
 * paced soak stays with {@link WsLoad}. Prints the same lines as {@link WsLoad} ({@link WsLoad.Result#parse}).
 */
final class CWsLoad {

    static final String SOURCE = "/c/wsload.c";

    private CWsLoad() {
    }

    /** The first executable {@code name} in the directories of {@code path} (a PATH value). */
    static Optional<Path> onPath(String name, String path) {
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** gcc on this machine's PATH, if any. */
    static Optional<Path> gcc() {
        return onPath("gcc", System.getenv("PATH"));
    }

    /** The gcc command that builds {@code source} into {@code binary}. */
    static List<String> compileCommand(Path gcc, Path source, Path binary) {
        return List.of(gcc.toString(), "-O2", "-std=gnu11", "-Wall", "-pthread", "-o", binary.toString(), source.toString());
    }

    /**
     * Copies the source out of the jar into {@code dir} and compiles it there (at most 120 s).
     *
     * @return the executable
     * @throws IOException when gcc fails; the message holds its output
     */
    static Path build(Path gcc, Path dir) throws IOException, InterruptedException {
        Path source = dir.resolve("wsload.c");
        try (InputStream in = CWsLoad.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IOException(SOURCE + " is not on the classpath (benchmarks jar built without src/main/c?)");
            }
            Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
        }
        Path binary = dir.resolve("wsload");
        Process p = new ProcessBuilder(compileCommand(gcc, source, binary)).redirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("gcc did not finish within 120 s");
        }
        if (p.exitValue() != 0 || !Files.isExecutable(binary)) {
            throw new IOException("gcc exited with " + p.exitValue() + ":\n" + new String(out, StandardCharsets.UTF_8).strip());
        }
        return binary;
    }

    /** The client's command line: closed loop, {@code inflight} messages in flight per connection. */
    static List<String> command(Path binary, String url, int connections, int seconds, int warmup, int size,
                                int inflight, int threads) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(List.of("--url", url, "--connections", Integer.toString(connections), "--seconds", Integer.toString(seconds),
                "--warmup", Integer.toString(warmup), "--size", Integer.toString(size),
                "--inflight", Integer.toString(inflight), "--threads", Integer.toString(threads)));
        return cmd;
    }
}
