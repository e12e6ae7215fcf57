package org.hubkit.proxy.netty.internal;

import io.netty.handler.ssl.CipherSuiteConverter;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * Node.js / OpenSSL names of TLS protocol versions and cipher suites, as configurable-http-proxy
 * takes them ({@code --ssl-protocol TLSv1_2}, {@code --ssl-ciphers ECDHE-RSA-AES128-GCM-SHA256:HIGH:!RC4}),
 * turned into the JDK's, and what the running JDK offers. Stateless and thread-safe.
 */
public final class TlsNames {
    private static final class Jdk {
        static final SSLParameters DEFAULTS;
        static final SSLParameters SUPPORTED;

        static {
            try {
                SSLContext c = SSLContext.getDefault();
                DEFAULTS = c.getDefaultSSLParameters();
                SUPPORTED = c.getSupportedSSLParameters();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("no default TLS implementation", e);
            }
        }
    }

    private TlsNames() {
    }

    /** @return the protocol versions the JDK enables (those not in {@code jdk.tls.disabledAlgorithms}) */
    public static Set<String> enabledProtocols() {
        return Set.of(Jdk.DEFAULTS.getProtocols());
    }

    /** @return every cipher suite the JDK knows */
    public static Set<String> supportedCipherSuites() {
        return Set.of(Jdk.SUPPORTED.getCipherSuites());
    }

    /**
     * A Node.js {@code secureProtocol} value without or with its {@code _method} suffix
     * ({@code TLSv1_2}, {@code TLSv1_2_method}, {@code TLS_method}), or a JDK name.
     *
     * @param value the value of {@code --ssl-protocol}
     * @return the JDK protocol names it allows; empty for "any version" ({@code TLS}, {@code SSLv23})
     * @throws IllegalArgumentException if the value names no protocol, or one this JDK disables
     */
    public static List<String> protocols(String value) {
        String v = value.trim();
        for (String suffix : new String[] {"_server_method", "_client_method", "_method"}) {
            if (v.endsWith(suffix)) {
                v = v.substring(0, v.length() - suffix.length());
                break;
            }
        }
        String jdk = switch (v.toUpperCase(Locale.ROOT)) {
            case "TLS", "SSLV23" -> "";
            case "TLSV1", "TLSV1.0", "TLSV1_0" -> "TLSv1";
            case "TLSV1_1", "TLSV1.1" -> "TLSv1.1";
            case "TLSV1_2", "TLSV1.2" -> "TLSv1.2";
            case "TLSV1_3", "TLSV1.3" -> "TLSv1.3";
            case "SSLV3" -> "SSLv3";
            default -> null;
        };
        if (jdk == null) {
            throw new IllegalArgumentException("is not a protocol (TLSv1_2, TLSv1_3, TLS; optionally with _method)");
        }
        if (jdk.isEmpty()) {
            return List.of();
        }
        if (!enabledProtocols().contains(jdk)) {
            throw new IllegalArgumentException("names " + jdk + ", which this Java runtime does not enable"
                    + " (enabled: " + String.join(", ", Jdk.DEFAULTS.getProtocols()) + ")");
        }
        return List.of(jdk);
    }

    /**
     * An OpenSSL cipher list: names separated by {@code :} (or {@code ,} or spaces), either
     * OpenSSL's ({@code ECDHE-RSA-AES128-GCM-SHA256}) or IANA's ({@code TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256});
     * {@code HIGH}, {@code DEFAULT} and {@code ALL} stand for the JDK's enabled suites; {@code !x}
     * and {@code -x} remove a name or every suite of a class ({@code !RC4}, {@code !aNULL},
     * {@code !MD5}, ...); {@code +x} and {@code @STRENGTH} are ignored. Names the JDK does not
     * support are skipped, as OpenSSL skips them. As with Node.js, the list does not touch TLS 1.3:
     * unless it names TLS 1.3 suites, the JDK's stay enabled.
     *
     * @param list the value of {@code --ssl-ciphers}
     * @param skipped receives the names skipped because the JDK lacks them
     * @return the JDK names, in order
     * @throws IllegalArgumentException naming an element that is neither a cipher name nor a
     *         known keyword, or if nothing usable remains
     */
    public static List<String> cipherSuites(String list, List<String> skipped) {
        Set<String> supported = supportedCipherSuites();
        Set<String> chosen = new LinkedHashSet<>();
        List<Predicate<String>> excluded = new ArrayList<>();
        for (String token : list.split("[:, ]+")) {
            if (token.isEmpty() || token.startsWith("+") || token.startsWith("@")) {
                continue;
            }
            if (token.startsWith("!") || token.startsWith("-")) {
                excluded.add(exclusion(token.substring(1)));
                continue;
            }
            switch (token) {
                case "HIGH", "DEFAULT", "ALL" -> {
                    for (String c : Jdk.DEFAULTS.getCipherSuites()) {
                        if (!isTls13(c)) {
                            chosen.add(c);
                        }
                    }
                    continue;
                }
                default -> {
                    // a name below
                }
            }
            String jdk = javaName(token);
            if (jdk == null) {
                throw new IllegalArgumentException("'" + token + "' is neither a cipher suite name nor HIGH, DEFAULT"
                        + " or ALL");
            }
            if (supported.contains(jdk)) {
                chosen.add(jdk);
            } else {
                skipped.add(token);
            }
        }
        chosen.removeIf(c -> excluded.stream().anyMatch(e -> e.test(c)));
        if (chosen.stream().noneMatch(c -> !isTls13(c))) {
            throw new IllegalArgumentException("leaves no TLS 1.2 cipher suite this Java runtime supports");
        }
        List<String> result = new ArrayList<>(chosen);
        if (result.stream().noneMatch(TlsNames::isTls13)) {
            for (String c : Jdk.DEFAULTS.getCipherSuites()) {
                if (isTls13(c)) {
                    result.add(c);
                }
            }
        }
        return result;
    }

    private static String javaName(String token) {
        if (token.startsWith("TLS_") || token.startsWith("SSL_")) {
            return token; // already IANA's, which is the JDK's (TLS 1.3 suites too)
        }
        return CipherSuiteConverter.toJava(token, "TLS");
    }

    private static Predicate<String> exclusion(String what) {
        String jdk = what.startsWith("TLS_") || what.startsWith("SSL_") ? what
                : what.contains("-") ? CipherSuiteConverter.toJava(what, "TLS") : null;
        if (jdk != null) {
            return jdk::equals;
        }
        if (what.equals("ALL") || what.equals("HIGH") || what.equals("DEFAULT")) {
            return c -> true;
        }
        String part = switch (what) {
            case "aNULL", "ADH", "AECDH" -> "_anon_";
            case "eNULL", "NULL" -> "_WITH_NULL_";
            case "EXPORT", "EXP" -> "_EXPORT";
            case "3DES" -> "3DES";
            case "DES" -> "_DES_";
            case "SHA1", "SHA" -> "_SHA";
            default -> "_" + what.toUpperCase(Locale.ROOT);
        };
        if (part.equals("_SHA")) {
            return c -> c.endsWith("_SHA");
        }
        return c -> c.contains(part);
    }

    private static boolean isTls13(String jdkName) {
        return jdkName.startsWith("TLS_") && !jdkName.contains("_WITH_");
    }
}
