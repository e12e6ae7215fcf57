/**
 * Log in through any OAuth 2 or OpenID Connect provider: {@link org.hubkit.auth.oauth.OAuthAuthenticator}.
 * Everything else, Nimbus included, lives in {@code org.hubkit.auth.oauth.internal} and is not API.
 */
package org.hubkit.auth.oauth;
