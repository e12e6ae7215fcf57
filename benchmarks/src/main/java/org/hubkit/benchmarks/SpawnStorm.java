package org.hubkit.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Starts the default server of many users at once and times how long until all are ready.
 *
 * <p>All {@code POST /users/{name}/server} calls are released together; the clock runs from
 * that moment until the last server is seen ready: at its 201 answer, or by polling
 * {@code GET /users/{name}} ({@code servers[""].ready}) in rounds, one request at a time,
 * so that the polling itself loads the hub as little as possible.
 */
final class SpawnStorm {

    /** The figures of one storm. Times in seconds from the release of the POSTs. */
    record Result(int users, double wallSeconds, double medianReadySeconds, Map<Integer, Integer> postStatuses,
                  double stopSeconds) {
    }

    private final HubApi api;
    private final Duration timeout;
    private final Duration pollInterval;

    SpawnStorm(HubApi api, Duration timeout, Duration pollInterval) {
        this.api = api;
        this.timeout = timeout;
        this.pollInterval = pollInterval;
    }

    /**
     * Runs the storm for {@code users} (which must exist and have no server), then stops all servers.
     *
     * @throws IOException when a spawn is refused or fails, or the time runs out
     */
    Result run(List<String> users) throws IOException, InterruptedException {
        int n = users.size();
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "spawn-storm");
            t.setDaemon(true);
            return t;
        });
        try {
            long[] postDoneAt = new long[n];
            int[] postStatus = new int[n];
            String[] postError = new String[n];
            long[] readyAt = new long[n];
            boolean[] isReady = new boolean[n];
            CountDownLatch gate = new CountDownLatch(1);
            List<Future<?>> posts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                posts.add(pool.submit(() -> {
                    gate.await();
                    try {
                        HubApi.Answer a = api.startServer(users.get(k));
                        postStatus[k] = a.status();
                        if (!a.is(201, 202)) {
                            postError[k] = a.body();
                        }
                    } catch (IOException e) {
                        postStatus[k] = -1;
                        postError[k] = e.toString();
                    }
                    postDoneAt[k] = System.nanoTime();
                    return null;
                }));
            }
            long t0 = System.nanoTime();
            gate.countDown();
            long deadline = t0 + timeout.toNanos();

            int ready = 0;
            while (ready < n) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(ready + " of " + n + " servers ready after " + timeout.toSeconds() + " s");
                }
                for (int i = 0; i < n; i++) {
                    if (isReady[i] || !posts.get(i).isDone()) {
                        continue;
                    }
                    if (postError[i] != null) {
                        throw new IOException("POST /users/" + users.get(i) + "/server answered "
                                + postStatus[i] + ": " + postError[i]);
                    }
                    if (postStatus[i] == 201) {
                        readyAt[i] = postDoneAt[i];
                        isReady[i] = true;
                        ready++;
                        continue;
                    }
                    HubApi.Answer u = api.user(users.get(i));
                    if (u.status() != 200) {
                        throw new IOException("GET /users/" + users.get(i) + " answered " + u.status() + ": " + u.body());
                    }
                    JsonNode server = HubApi.defaultServer(u.json());
                    if (server == null) {
                        throw new IOException("the server of " + users.get(i) + " is gone: its spawn failed");
                    }
                    if (server.path("ready").asBoolean(false)) {
                        readyAt[i] = System.nanoTime();
                        isReady[i] = true;
                        ready++;
                    }
                }
                if (ready < n) {
                    Thread.sleep(pollInterval.toMillis());
                }
            }
            long[] sorted = Arrays.stream(readyAt).map(r -> r - t0).sorted().toArray();
            Map<Integer, Integer> statuses = new TreeMap<>();
            for (int s : postStatus) {
                statuses.merge(s, 1, Integer::sum);
            }
            double wall = sorted[n - 1] / 1e9;
            double median = sorted[(n - 1) / 2] / 1e9;
            double stop = stopAll(users, pool);
            return new Result(n, wall, median, statuses, stop);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Stops every user's server at once and waits until none is left; answers the seconds it took. */
    private double stopAll(List<String> users, ExecutorService pool) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        List<Future<HubApi.Answer>> deletes = new ArrayList<>();
        for (String u : users) {
            deletes.add(pool.submit(() -> api.stopServer(u)));
        }
        for (int i = 0; i < users.size(); i++) {
            try {
                HubApi.Answer a = deletes.get(i).get(150, TimeUnit.SECONDS);
                if (!a.is(202, 204)) {
                    throw new IOException("DELETE /users/" + users.get(i) + "/server answered " + a.status() + ": " + a.body());
                }
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IOException("DELETE /users/" + users.get(i) + "/server failed: " + e, e);
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        List<String> left = new ArrayList<>(users);
        while (!left.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IOException(left.size() + " servers still there 120 s after DELETE: " + left);
            }
            left.removeIf(u -> {
                try {
                    HubApi.Answer a = api.user(u);
                    return a.status() == 200 && HubApi.defaultServer(a.json()) == null;
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            });
            if (!left.isEmpty()) {
                Thread.sleep(pollInterval.toMillis());
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
