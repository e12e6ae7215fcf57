package org.hubkit.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Reading another JVM's heap (outputs as printed by OpenJDK 17's jstat and jcmd). */
class ProcMemoryTest {

    @Test
    void jstatGcSerial() throws IOException {
        String out = """
                    S0C         S1C         S0U         S1U          EC           EU           OC           OU          MC         MU       CCSC      CCSU     YGC     YGCT     FGC    FGCT     CGC    CGCT       GCT  \s
                    12864.0     12864.0       100.0         0.0     103296.0      20701.5     258048.0       2048.4        0.0        0.0       0.0       0.0      0     0.000     0     0.000     -         -     0.000
                """;
        // used = 100 + 0 + 20701.5 + 2048.4; committed = 12864 * 2 + 103296 + 258048
        assertArrayEquals(new long[] {22850, 387072, 2048}, ProcMemory.parseJstatGc(out));
    }

    @Test
    void jstatGcG1() throws IOException {
        String out = """
                    S0C         S1C         S0U         S1U          EC           EU           OC           OU          MC         MU       CCSC      CCSU     YGC     YGCT     FGC    FGCT     CGC    CGCT       GCT
                        0.0         0.0         0.0         0.0      20480.0      12288.0     368640.0          0.0        0.0        0.0       0.0       0.0      0     0.000     0     0.000     0     0.000     0.000
                """;
        assertArrayEquals(new long[] {12288, 389120, 0}, ProcMemory.parseJstatGc(out));
    }

    @Test
    void jstatErrorIsAnError() {
        assertThrows(IOException.class, () -> ProcMemory.parseJstatGc("12345 not found"));
    }

    @Test
    void heapInfoSerialSumsGenerations() throws IOException {
        String out = """
                16422:
                 def new generation   total 116160K, used 22767K [0x0000000687400000, 0x000000068f200000, 0x0000000704d50000)
                  eden space 103296K,  22% used [0x0000000687400000, 0x0000000688a3bd98, 0x000000068d8e0000)
                  from space 12864K,   0% used [0x000000068d8e0000, 0x000000068d8e0000, 0x000000068e570000)
                  to   space 12864K,   0% used [0x000000068e570000, 0x000000068e570000, 0x000000068f200000)
                 tenured generation   total 258048K, used 1000K [0x0000000704d50000, 0x0000000714950000, 0x0000000800000000)
                   the space 258048K,   0% used [0x0000000704d50000, 0x0000000704d50000, 0x0000000704d50200, 0x0000000714950000)
                 Metaspace       used 8038K, committed 8256K, reserved 1114112K
                  class space    used 1052K, committed 1152K, reserved 1048576K
                """;
        assertArrayEquals(new long[] {23767, 374208, 1000}, ProcMemory.parseHeapInfo(out));
    }

    @Test
    void heapInfoG1HasNoOldGeneration() throws IOException {
        String out = """
                16481:
                 garbage-first heap   total 397312K, used 20337K [0x0000000687400000, 0x0000000800000000)
                  region size 4096K, 4 young (16384K), 0 survivors (0K)
                 Metaspace       used 8008K, committed 8192K, reserved 1114112K
                """;
        assertArrayEquals(new long[] {20337, 397312, -1}, ProcMemory.parseHeapInfo(out));
    }
}
