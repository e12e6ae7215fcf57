package org.hubkit.core.internal;

/** The versions the hub reports: its own, and the JupyterHub REST API version it speaks. */
public final class Versions {
    /** Hubkit's version ({@code org.hubkit.core.Hub#VERSION} is this one). */
    public static final String HUBKIT = "0.1.0";

    private Versions() {
    }
}
