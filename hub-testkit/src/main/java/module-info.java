/**
 * Hubkit's test kit: abstract JUnit 5 contract tests for implementations of the SPIs in
 * {@code org.hubkit.api}, and the reference server in a Testcontainers container
 * ({@code ReferenceServerContainer}) for testing services and images against a real hub.
 */
module org.hubkit.testkit {
    requires transitive org.hubkit.api;
    requires transitive org.junit.jupiter.api;
    requires org.assertj.core;
    requires org.slf4j;
    requires java.net.http;
    requires jdk.httpserver;
    // ReferenceServerContainer extends Testcontainers' GenericContainer (an automatic module).
    requires transitive testcontainers;
    requires com.github.dockerjava.api;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    // TestPki: a test CA and the certificates it signs.
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;

    exports org.hubkit.testkit;
    // JUnit calls the contracts' package-private lifecycle methods reflectively.
    opens org.hubkit.testkit to org.junit.platform.commons;
}
