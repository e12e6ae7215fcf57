package org.hubkit.proxy.netty;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test opened (backends, proxies, clients), closed after each test in the reverse order
 * it was opened. Register it on an instance field with {@code @RegisterExtension} and pass what
 * is to be closed through {@link #track}.
 */
final class Resources implements AfterEachCallback {
    private final List<AutoCloseable> open = new ArrayList<>();

    /** @return {@code resource}, to be closed after the test */
    <T extends AutoCloseable> T track(T resource) {
        open.add(resource);
        return resource;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception failure = null;
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        open.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
