package org.hubkit.testkit.selftest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import org.hubkit.testkit.PublicApi;
import org.junit.jupiter.api.Test;

class PublicApiTest {
    /** A type whose public and protected signatures name Pattern; its private one does not count. */
    public static class Sample {
        public Sample(Pattern p) {
        }

        public List<Pattern> patterns() {
            return List.of();
        }

        protected void use(String s) throws java.util.regex.PatternSyntaxException {
        }

        private Pattern hidden() {
            return null;
        }

        public String fine() {
            return "";
        }
    }

    @Test
    void publicAndProtectedSignaturesNamingAFragmentAreReported() {
        assertThat(PublicApi.signaturesNaming(List.of(Sample.class), List.of("java.util.regex")))
                .hasSize(3).allMatch(s -> s.startsWith("Sample: ")).noneMatch(s -> s.contains("hidden") || s.contains("fine"));
        assertThat(PublicApi.signaturesNaming(List.of(Sample.class), List.of("com.example"))).isEmpty();
    }
}
