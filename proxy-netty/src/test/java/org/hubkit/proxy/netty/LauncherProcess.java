package org.hubkit.proxy.netty;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Helpers for the ITs that run {@code bin/hubkit-proxy} and processes that start it. */
final class LauncherProcess {
    private LauncherProcess() {
    }

    /** @return the proxy-netty module directory (failsafe sets HUBKIT_PROXY_HOME; else the working directory) */
    static Path home() {
        String env = System.getenv("HUBKIT_PROXY_HOME");
        return Path.of(env != null ? env : System.getProperty("user.dir")).toAbsolutePath();
    }

    /** @return the launcher script, after checking the jar it runs was built */
    static Path script() {
        Path jar = home().resolve("target/hubkit-proxy.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: the ITs run after `mvn package` builds it");
        }
        return home().resolve("bin/hubkit-proxy");
    }

    /** @return a loopback port that was free a moment ago */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A started process whose output lines are collected as they come. */
    static final class Running implements AutoCloseable {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();

        Running(ProcessBuilder pb) throws IOException {
            process = pb.redirectErrorStream(true).start();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        lines.add(l);
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            }, "it-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** @return whether a line containing {@code text} appeared within the timeout */
        boolean awaitLine(String text, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                if (lines.stream().anyMatch(l -> l.contains(text))) {
                    return true;
                }
                if (!process.isAlive()) {
                    Thread.sleep(200); // let the reader catch the last lines
                    return lines.stream().anyMatch(l -> l.contains(text));
                }
                Thread.sleep(50);
            }
            return false;
        }

        String output() {
            return String.join("\n", lines);
        }

        /** Kills the process and whatever it started, by pid, if still running. */
        @Override
        public void close() {
            List<ProcessHandle> all = process.descendants().toList();
            process.destroyForcibly();
            all.forEach(ProcessHandle::destroyForcibly);
        }
    }
}
