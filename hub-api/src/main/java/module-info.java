/**
 * Hubkit's service provider interfaces and model. Depends on nothing but the JDK.
 */
module org.hubkit.api {
    exports org.hubkit.api;
}
