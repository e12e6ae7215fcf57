package org.hubkit.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.hubkit.api.ConfigException.Problem;
import org.junit.jupiter.api.Test;

/** {@link YamlConfigNode#value}: what a factory gets for a key of several shapes. */
class YamlConfigNodeTest {
    private static final YAMLMapper YAML = new YAMLMapper();

    private final List<Problem> problems = new ArrayList<>();

    private YamlConfigNode node(String yaml) throws Exception {
        return new YamlConfigNode("spawner", YAML.readTree(yaml), problems);
    }

    @Test
    void scalarsAreStringsBooleansLongsAndDoubles() throws Exception {
        YamlConfigNode n = node("""
                text: 2G
                quoted: "2"
                flag: true
                count: 2
                big: 123456789012345678901234567890
                cpus: 1.5
                exp: 1e3
                nothing: null
                empty:
                """);
        assertThat(n.value("text")).isEqualTo("2G");
        assertThat(n.value("quoted")).isEqualTo("2");
        assertThat(n.value("flag")).isEqualTo(true);
        assertThat(n.value("count")).isEqualTo(2L);
        assertThat(n.value("big")).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(n.value("cpus")).isEqualTo(1.5);
        assertThat(n.value("exp")).isEqualTo(1000.0);
        assertThat(n.value("nothing")).isNull();
        assertThat(n.value("empty")).isNull();
        assertThat(n.value("absent")).isNull();
        assertThat(problems).isEmpty();
    }

    @Test
    void listsAndMappingsArePlainUnmodifiableAndInTheFilesOrder() throws Exception {
        YamlConfigNode n = node("""
                volumes:
                  /srv/z: /z:ro
                  /srv/a: {bind: /a, mode: ro}
                  /srv/m:
                gpus: [0, "1", null]
                """);
        @SuppressWarnings("unchecked")
        Map<String, Object> volumes = (Map<String, Object>) n.value("volumes");
        assertThat(volumes.keySet()).containsExactly("/srv/z", "/srv/a", "/srv/m");
        assertThat(volumes.get("/srv/z")).isEqualTo("/z:ro");
        assertThat(volumes.get("/srv/a")).isEqualTo(Map.of("bind", "/a", "mode", "ro"));
        assertThat(volumes).containsEntry("/srv/m", null);
        @SuppressWarnings("unchecked")
        List<Object> gpus = (List<Object>) n.value("gpus");
        assertThat(gpus).isEqualTo(Arrays.asList(0L, "1", null));
        assertThatThrownBy(() -> volumes.put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> gpus.add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void theKeyCountsAsReadWithItsValueAndNothingBelowItIsChecked() throws Exception {
        YamlConfigNode n = node("""
                volumes: {/srv/a: {bind: /a, anything: [1, {deep: true}]}}
                other: x
                """);
        n.value("volumes");
        n.value("missing");
        assertThat(n.read()).containsExactly("volumes", "missing");
        assertThat(n.children()).as("no nested node, so no unknown key below it").isEmpty();
        assertThat(n.values().keySet()).as("recorded for the effective configuration, as the typed getters' values")
                .containsExactly("volumes", "missing");
        assertThat(n.values()).containsEntry("volumes", Map.of("/srv/a", Map.of("bind", "/a", "anything", List.of(1L, Map.of("deep", true)))))
                .containsEntry("missing", null);
        assertThat(n.secrets()).isEmpty();
        assertThat(problems).isEmpty();
    }
}
