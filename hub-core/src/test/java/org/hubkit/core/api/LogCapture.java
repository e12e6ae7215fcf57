package org.hubkit.core.api;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * What a logger and its children log while a test runs, at a level the test chooses; {@link #close}
 * puts the logger back as it was. The events stay readable after that. (The same helper as
 * proxy-netty's tests have; test classes are not shared between modules.)
 */
final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Level levelBefore;

    /**
     * @param name the logger's name, e.g. {@code org.hubkit}
     * @param level the level it logs at meanwhile
     */
    LogCapture(String name, Level level) {
        logger = (Logger) LoggerFactory.getLogger(name);
        levelBefore = logger.getLevel();
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.setLevel(level);
        logger.addAppender(appender);
    }

    /** @return the formatted messages logged so far, with each event's throwable messages appended */
    List<String> messages() {
        synchronized (appender) {
            return appender.list.stream().map(LogCapture::describe).toList();
        }
    }

    private static String describe(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(e.getFormattedMessage());
        for (var t = e.getThrowableProxy(); t != null; t = t.getCause()) {
            b.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
        }
        return b.toString();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(levelBefore);
    }
}
