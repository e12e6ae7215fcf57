package org.hubkit.docker.internal;

import com.github.dockerjava.api.model.PullResponseItem;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the engine's pull stream (one {@link PullResponseItem} per line: a layer's status, its
 * bytes so far and in all) into a percentage between two bounds and a line for people:
 * "Pulling image x: 3/7 layers, 120 MB of 800 MB". Layers the engine already has count as done.
 * Not thread-safe: one per pull, fed from the pull's callback thread.
 */
public final class PullProgress {
    private final String image;
    private final int from;
    private final int to;
    private final Map<String, Layer> layers = new LinkedHashMap<>();

    private static final class Layer {
        long current;
        long total;
        boolean done;
    }

    /**
     * @param image the image, for the message
     * @param from the percentage reported before any byte arrived
     * @param to the percentage reported once every layer is done
     */
    public PullProgress(String image, int from, int to) {
        this.image = image;
        this.from = from;
        this.to = to;
    }

    /**
     * @param item one line of the pull stream
     * @return whether it changed anything worth reporting
     */
    public boolean update(PullResponseItem item) {
        String id = item.getId();
        String status = item.getStatus() == null ? "" : item.getStatus().toLowerCase(Locale.ROOT);
        if (id == null || status.startsWith("pulling from") || status.startsWith("digest") || status.startsWith("status")) {
            return false;
        }
        Layer layer = layers.computeIfAbsent(id, k -> new Layer());
        if (status.startsWith("downloading") && item.getProgressDetail() != null) {
            Long current = item.getProgressDetail().getCurrent();
            Long total = item.getProgressDetail().getTotal();
            layer.current = current == null ? layer.current : current;
            layer.total = total == null || total <= 0 ? layer.total : total;
        } else if (status.startsWith("download complete") || status.startsWith("verifying")) {
            layer.current = Math.max(layer.current, layer.total);
        } else if (status.startsWith("pull complete") || status.startsWith("already exists")) {
            layer.current = Math.max(layer.current, layer.total);
            layer.done = true;
        }
        return true;
    }

    /** @return the percentage: layers done, and bytes within the layers not done, between the bounds */
    public int percent() {
        if (layers.isEmpty()) {
            return from;
        }
        double sum = 0;
        for (Layer l : layers.values()) {
            // Download is most of a layer's time; extraction the rest.
            sum += l.done ? 1.0 : l.total > 0 ? 0.9 * Math.min(1.0, (double) l.current / l.total) : 0.0;
        }
        return from + (int) Math.floor((to - from) * sum / layers.size());
    }

    /** @return e.g. "Pulling image x: 3/7 layers, 120 MB of 800 MB" */
    public String message() {
        long done = layers.values().stream().filter(l -> l.done).count();
        long current = layers.values().stream().mapToLong(l -> l.current).sum();
        long total = layers.values().stream().mapToLong(l -> l.total).sum();
        String bytes = total > 0 ? ", " + megabytes(current) + " of " + megabytes(total) : "";
        return "Pulling image " + image + ": " + done + "/" + layers.size() + " layers" + bytes;
    }

    private static String megabytes(long bytes) {
        return (bytes + 500_000) / 1_000_000 + " MB";
    }
}
