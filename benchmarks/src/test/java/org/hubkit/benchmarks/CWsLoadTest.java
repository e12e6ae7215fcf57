package org.hubkit.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding gcc and the C client's command lines (no compiling here: see CWsLoadIT). */
class CWsLoadTest {

    @TempDir
    Path dir;

    @Test
    void findsAnExecutableOnPath() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path plain = Files.createDirectories(dir.resolve("plain"));
        Files.writeString(plain.resolve("gcc"), "not executable");
        Path gcc = bin.resolve("gcc");
        Files.writeString(gcc, "#!/bin/sh\n");
        Files.setPosixFilePermissions(gcc, PosixFilePermissions.fromString("rwxr-xr-x"));
        String path = String.join(File.pathSeparator, dir.resolve("missing").toString(), "", plain.toString(), bin.toString());
        assertEquals(Optional.of(gcc), CWsLoad.onPath("gcc", path));
        assertEquals(Optional.empty(), CWsLoad.onPath("gcc", plain.toString()));
        assertEquals(Optional.empty(), CWsLoad.onPath("gcc", null));
    }

    @Test
    void commandLines() {
        assertEquals(List.of("/tmp/x/wsload", "--url", "ws://127.0.0.1:9/ws", "--connections", "64", "--seconds", "10",
                        "--warmup", "2", "--size", "32", "--inflight", "1", "--threads", "1"),
                CWsLoad.command(Path.of("/tmp/x/wsload"), "ws://127.0.0.1:9/ws", 64, 10, 2, 32, 1, 1));
        List<String> gcc = CWsLoad.compileCommand(Path.of("/usr/bin/gcc"), Path.of("/t/wsload.c"), Path.of("/t/wsload"));
        assertEquals("/usr/bin/gcc", gcc.get(0));
        assertTrue(gcc.contains("-pthread"));
        assertEquals(List.of("-o", "/t/wsload", "/t/wsload.c"), gcc.subList(gcc.size() - 3, gcc.size()));
    }

    @Test
    void theSourceIsOnTheClasspath() {
        assertTrue(CWsLoad.class.getResource(CWsLoad.SOURCE) != null, CWsLoad.SOURCE);
    }
}
