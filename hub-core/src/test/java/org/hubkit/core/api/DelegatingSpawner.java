package org.hubkit.core.api;

import java.util.concurrent.CompletionStage;
import org.hubkit.api.PollResult;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerState;

/** A spawner that hands every call to another; tests override the calls they watch or change. */
class DelegatingSpawner implements Spawner {
    final Spawner inner;

    DelegatingSpawner(Spawner inner) {
        this.inner = inner;
    }

    @Override
    public CompletionStage<SpawnResult> start(SpawnRequest request, SpawnContext context) {
        return inner.start(request, context);
    }

    @Override
    public CompletionStage<PollResult> poll(ServerId server, SpawnerState state) {
        return inner.poll(server, state);
    }

    @Override
    public CompletionStage<Void> stop(ServerId server, SpawnerState state) {
        return inner.stop(server, state);
    }

    @Override
    public CompletionStage<Void> deleteForever(ServerId server, SpawnerState state, boolean userDeleted) {
        return inner.deleteForever(server, state, userDeleted);
    }

    @Override
    public void close() {
        inner.close();
    }
}
