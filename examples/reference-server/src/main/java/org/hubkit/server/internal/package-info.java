/**
 * The reference server's implementation: the YAML reader, the command line and the generated
 * password. Not API; may change in any release.
 */
package org.hubkit.server.internal;
