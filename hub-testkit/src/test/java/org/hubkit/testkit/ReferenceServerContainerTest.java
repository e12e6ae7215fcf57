package org.hubkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What the container reads from a configuration before anything is started (no engine needed). */
class ReferenceServerContainerTest {
    @Test
    void theProxyPortIsPublishedAndTheFirstAdminServiceGivesTheToken() {
        ReferenceServerContainer hub = new ReferenceServerContainer("local/hub:1").withConfiguration("""
                proxy: {ip: 0.0.0.0, port: 9000}
                services:
                  - {name: reader, apiToken: not-this-one-123}
                  - {name: ops, apiToken: this-one-4567, admin: true}
                """);
        hub.configure();
        assertThat(hub.getExposedPorts()).containsExactly(9000);
        assertThat(hub.adminToken()).contains("this-one-4567");
        assertThat(hub.getCommandParts()).containsExactly("java", "-jar", ReferenceServerContainer.JAR_PATH,
                "--config", ReferenceServerContainer.CONFIG_PATH);
    }

    @Test
    void aProxyOnLoopbackIsRefusedNamingTheKey() {
        ReferenceServerContainer hub = new ReferenceServerContainer("local/hub:1").withConfiguration("auth: {type: dummy}\n");
        assertThatThrownBy(hub::configure).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("proxy.ip must be 0.0.0.0").hasMessageContaining("'127.0.0.1'");
    }

    @Test
    void withoutAConfigurationItDoesNotStart() {
        assertThatThrownBy(new ReferenceServerContainer("local/hub:1")::configure)
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("withConfiguration");
    }
}
