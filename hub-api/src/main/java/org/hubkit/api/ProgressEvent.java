package org.hubkit.api;

/**
 * One step of a spawn, as sent on JupyterHub's progress event stream.
 *
 * @param progress 0 to 100
 * @param message for people
 * @param ready set on the last event of a successful spawn
 * @param failed set on the last event of a failed spawn
 * @param url the server's URL path, on the ready event
 * @since 0.1
 */
public record ProgressEvent(int progress, String message, boolean ready, boolean failed, String url) {
    /**
     * @param progress 0 to 100
     * @param message for people
     * @return an intermediate event
     */
    public static ProgressEvent step(int progress, String message) {
        return new ProgressEvent(Math.max(0, Math.min(99, progress)), message, false, false, null);
    }

    /** @return whether this is the last event of a spawn */
    public boolean isFinal() {
        return ready || failed;
    }
}
