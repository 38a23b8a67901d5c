package dev.memfilestore.jetty;

import java.io.Serializable;

/** A signed-in user, as a web application keeps it in its session: a Serializable bean. */
record Account(String name) implements Serializable {}
