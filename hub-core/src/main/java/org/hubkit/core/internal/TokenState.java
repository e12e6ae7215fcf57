package org.hubkit.core.internal;

import java.time.Instant;
import java.util.Set;

/** An API token as held in memory (found by the SHA-256 of the token). */
public final class TokenState {
    final Store.TokenRow row;
    volatile Instant lastActivity;
    volatile Set<String> scopesCache;
    volatile Set<String> ownerScopesSeen;

    TokenState(Store.TokenRow row) {
        this.row = row;
        this.lastActivity = row.lastActivity();
    }

    public Store.TokenRow row() {
        return row;
    }

    public String user() {
        return row.user();
    }

    public String service() {
        return row.service();
    }

    public boolean expired(Instant now) {
        return row.expiresAt() != null && !now.isBefore(row.expiresAt());
    }
}
