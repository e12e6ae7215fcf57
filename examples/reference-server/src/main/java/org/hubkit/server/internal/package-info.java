/**
 * The reference server's implementation: the YAML reader (a {@link org.hubkit.api.ConfigNode}
 * over Jackson's tree, the discovery of the sections' factories with
 * {@link java.util.ServiceLoader}, the file-order sorting of problems), the command line and the
 * generated password. Not API; may change in any release.
 */
package org.hubkit.server.internal;
