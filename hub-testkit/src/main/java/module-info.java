/**
 * Hubkit's test kit: abstract JUnit 5 contract tests for implementations of the SPIs in
 * {@code org.hubkit.api}.
 */
module org.hubkit.testkit {
    requires transitive org.hubkit.api;
    requires transitive org.junit.jupiter.api;
    requires org.assertj.core;
    requires org.slf4j;
    requires java.net.http;
    requires jdk.httpserver;

    exports org.hubkit.testkit;
    // JUnit calls the contracts' package-private lifecycle methods reflectively.
    opens org.hubkit.testkit to org.junit.platform.commons;
}
