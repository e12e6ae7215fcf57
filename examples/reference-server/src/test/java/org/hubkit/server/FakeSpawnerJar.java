package org.hubkit.server;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.hubkit.api.SpawnerFactory;

/**
 * A third party's spawner module, made at test time: {@code spawner.type: fake}, compiled
 * against hub-api alone into a jar of its own with its {@code META-INF/services} entry, as a
 * {@code spawner-docker} jar would come. Its keys: {@code image} (required when built),
 * {@code replicas} (1-10), {@code labels} (strings), {@code limits.memory}, {@code mounts} (read with
 * {@code ConfigNode.value}: source to a target or to {@code {bind: target}}, as spawner-docker's
 * {@code volumes}). Its spawner starts nothing.
 */
final class FakeSpawnerJar {
    static final String FACTORY = """
            package com.example.fake;

            import java.util.Map;
            import org.hubkit.api.ConfigContext;
            import org.hubkit.api.ConfigException;
            import org.hubkit.api.ConfigNode;
            import org.hubkit.api.Spawner;
            import org.hubkit.api.SpawnerFactory;

            public final class FakeSpawnerFactory implements SpawnerFactory {
                @Override
                public String type() {
                    return "fake";
                }

                @Override
                public Configured<Spawner> configure(ConfigNode node, ConfigContext context) {
                    String image = node.string("image", null);
                    int replicas = node.integer("replicas", 1, 1, 10);
                    Map<String, String> labels = node.stringMap("labels");
                    String memory = node.node("limits").string("memory", "1G");
                    Object mounts = node.value("mounts");
                    if (mounts instanceof Map<?, ?> m) {
                        m.forEach((source, target) -> {
                            if (!(target instanceof String) && !(target instanceof Map<?, ?> bind && bind.get("bind") instanceof String)) {
                                node.problem("mounts." + source, "must be a target or {bind: target}");
                            }
                        });
                    } else if (mounts != null) {
                        node.problem("mounts", "must be a mapping");
                    }
                    return () -> {
                        if (image == null) {
                            throw ConfigException.of("image", "required");
                        }
                        return new FakeSpawner(image + " x" + replicas + " " + labels + " " + memory + " in "
                                + context.dataDirectory());
                    };
                }
            }
            """;
    static final String SPAWNER = """
            package com.example.fake;

            import java.util.concurrent.CompletableFuture;
            import java.util.concurrent.CompletionStage;
            import org.hubkit.api.PollResult;
            import org.hubkit.api.ServerId;
            import org.hubkit.api.SpawnContext;
            import org.hubkit.api.SpawnException;
            import org.hubkit.api.SpawnRequest;
            import org.hubkit.api.SpawnResult;
            import org.hubkit.api.Spawner;
            import org.hubkit.api.SpawnerState;

            public final class FakeSpawner implements Spawner {
                private final String description;

                FakeSpawner(String description) {
                    this.description = description;
                }

                @Override
                public CompletionStage<SpawnResult> start(SpawnRequest request, SpawnContext context) {
                    return CompletableFuture.failedFuture(new SpawnException("a fake spawner starts nothing"));
                }

                @Override
                public CompletionStage<PollResult> poll(ServerId server, SpawnerState state) {
                    return CompletableFuture.completedFuture(PollResult.stopped(0, "fake"));
                }

                @Override
                public CompletionStage<Void> stop(ServerId server, SpawnerState state) {
                    return CompletableFuture.completedFuture(null);
                }

                @Override
                public String name() {
                    return "FakeSpawner[" + description + "]";
                }
            }
            """;

    private FakeSpawnerJar() {
    }

    /**
     * @param dir an empty directory to work in
     * @return the jar: {@code com.example.fake.FakeSpawnerFactory} and {@code FakeSpawner}, and
     *         {@code META-INF/services/org.hubkit.api.SpawnerFactory} naming the factory
     */
    static Path build(Path dir) throws IOException, URISyntaxException {
        return build(dir, "fake", "com.example.fake");
    }

    /**
     * @param dir an empty directory to work in
     * @param type the type its factory has
     * @param pkg the package of its classes
     * @return the same jar with another type name and package
     */
    static Path build(Path dir, String type, String pkg) throws IOException, URISyntaxException {
        Path src = Files.createDirectories(dir.resolve("src").resolve(pkg.replace('.', '/')));
        Files.writeString(src.resolve("FakeSpawnerFactory.java"), FACTORY.replace("package com.example.fake;", "package " + pkg + ";")
                .replace("return \"fake\";", "return \"" + type + "\";"), StandardCharsets.UTF_8);
        Files.writeString(src.resolve("FakeSpawner.java"), SPAWNER.replace("package com.example.fake;", "package " + pkg + ";"),
                StandardCharsets.UTF_8);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        // Only hub-api, as a module built elsewhere would have it: not the reference server, not hub-core.
        String hubApi = Path.of(SpawnerFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int status = javac.run(null, null, null, "--release", "17", "-classpath", hubApi, "-d", classes.toString(),
                src.resolve("FakeSpawnerFactory.java").toString(), src.resolve("FakeSpawner.java").toString());
        if (status != 0) {
            throw new IllegalStateException("javac failed with status " + status);
        }
        Path jar = dir.resolve("fake-spawner.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            put(out, "META-INF/services/org.hubkit.api.SpawnerFactory",
                    (pkg + ".FakeSpawnerFactory\n").getBytes(StandardCharsets.UTF_8));
            List<Path> compiled;
            try (Stream<Path> files = Files.walk(classes)) {
                compiled = files.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path c : compiled) {
                put(out, classes.relativize(c).toString().replace('\\', '/'), Files.readAllBytes(c));
            }
        }
        return jar;
    }

    private static void put(JarOutputStream out, String name, byte[] content) throws IOException {
        out.putNextEntry(new JarEntry(name));
        out.write(content);
        out.closeEntry();
    }
}
