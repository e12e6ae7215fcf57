package org.hubkit.testkit;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

/**
 * Checks what a module's public API names, for a test that keeps a library's types (docker-java,
 * Nimbus, UnboundID) or the module's own {@code internal} classes out of it, so that a consumer
 * never depends on them by accident.
 *
 * @since 0.3
 */
public final class PublicApi {
    private PublicApi() {
    }

    /**
     * The public and protected methods and constructors of {@code types} whose signature (parameter,
     * return and exception types, generics included) names any of {@code fragments}.
     *
     * @param types the module's public types
     * @param fragments parts of type names that must not appear, e.g. {@code com.nimbusds} or {@code .internal.}
     * @return one line per offending signature, {@code Type: signature}; empty when there is none
     */
    public static List<String> signaturesNaming(Collection<Class<?>> types, Collection<String> fragments) {
        List<String> leaks = new ArrayList<>();
        for (Class<?> type : types) {
            Stream.<Executable>concat(Stream.of(type.getDeclaredMethods()), Stream.<Constructor<?>>of(type.getDeclaredConstructors()))
                    .filter(e -> Modifier.isPublic(e.getModifiers()) || Modifier.isProtected(e.getModifiers()))
                    .forEach(e -> {
                        String signature = e.toGenericString();
                        if (fragments.stream().anyMatch(signature::contains)) {
                            leaks.add(type.getSimpleName() + ": " + signature);
                        }
                    });
        }
        return leaks;
    }
}
