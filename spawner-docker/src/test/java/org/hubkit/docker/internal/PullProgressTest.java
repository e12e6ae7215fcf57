package org.hubkit.docker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.PullResponseItem;
import org.junit.jupiter.api.Test;

/** The engine's pull stream, line by line as the Engine API sends it, turned into progress. */
class PullProgressTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PullProgress progress = new PullProgress("quay.io/x/y:1", 5, 60);

    private boolean feed(String json) throws Exception {
        return progress.update(JSON.readValue(json, PullResponseItem.class));
    }

    @Test
    void layersAndBytesAreCountedAndThePercentStaysWithinItsBounds() throws Exception {
        assertThat(feed("{\"status\":\"Pulling from x/y\",\"id\":\"1\"}")).isFalse();
        assertThat(progress.percent()).isEqualTo(5);
        feed("{\"status\":\"Already exists\",\"progressDetail\":{},\"id\":\"l1\"}");
        for (String id : new String[] {"l2", "l3", "l4"}) {
            feed("{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"" + id + "\"}");
        }
        feed("{\"status\":\"Downloading\",\"progressDetail\":{\"current\":60000000,\"total\":600000000},\"progress\":\"[>  ]\",\"id\":\"l2\"}");
        feed("{\"status\":\"Downloading\",\"progressDetail\":{\"current\":60000000,\"total\":200000000},\"id\":\"l3\"}");
        assertThat(progress.message()).isEqualTo("Pulling image quay.io/x/y:1: 1/4 layers, 120 MB of 800 MB");
        int middle = progress.percent();
        assertThat(middle).isBetween(5 + 55 / 4, 60);

        feed("{\"status\":\"Download complete\",\"progressDetail\":{},\"id\":\"l2\"}");
        feed("{\"status\":\"Extracting\",\"progressDetail\":{\"current\":1,\"total\":600000000},\"id\":\"l2\"}");
        feed("{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"l2\"}");
        assertThat(progress.percent()).isGreaterThan(middle);
        feed("{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"l3\"}");
        feed("{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"l4\"}");
        assertThat(progress.percent()).isEqualTo(60);
        assertThat(progress.message()).startsWith("Pulling image quay.io/x/y:1: 4/4 layers");
        assertThat(feed("{\"status\":\"Digest: sha256:abc\"}")).isFalse();
        assertThat(feed("{\"status\":\"Status: Downloaded newer image for x/y:1\"}")).isFalse();
    }
}
