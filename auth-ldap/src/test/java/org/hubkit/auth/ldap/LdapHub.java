package org.hubkit.auth.ldap;

import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.Consumer;
import org.hubkit.core.Database;
import org.hubkit.core.Hub;
import org.hubkit.core.LocalProcessSpawner;
import org.hubkit.proxy.netty.NettyProxy;
import org.hubkit.testkit.HubClient;
import org.hubkit.testkit.RealComponents;

/** A real in-process hub behind the Netty proxy whose logins go to an {@link LdapAuthenticator}; auth state encrypted. */
final class LdapHub implements AutoCloseable {
    final Hub hub;
    final URI base;

    LdapHub(Path dir, LdapAuthenticator authenticator, Consumer<Hub.Builder> more) {
        int proxyPort = RealComponents.freePort();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Hub.Builder b = Hub.builder()
                .spawner(LocalProcessSpawner.builder().cmd(List.of("/bin/false")).logDirectory(dir.resolve("logs"))
                        .isolation(LocalProcessSpawner.Isolation.NONE).build())
                .authenticator(authenticator)
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
                .database(Database.h2(dir.resolve("db")))
                .port(0)
                .publicUrl(URI.create("http://127.0.0.1:" + proxyPort))
                .cryptKeys(List.of(key));
        more.accept(b);
        hub = b.build().start();
        base = hub.publicUrl();
    }

    HubClient client() {
        return new HubClient(base);
    }

    @Override
    public void close() {
        hub.close();
    }
}
