/**
 * Log in against an LDAP directory or Active Directory: {@link org.hubkit.auth.ldap.LdapAuthenticator}.
 * Everything else, the UnboundID LDAP SDK included, lives in {@code org.hubkit.auth.ldap.internal} and is not API.
 */
package org.hubkit.auth.ldap;
