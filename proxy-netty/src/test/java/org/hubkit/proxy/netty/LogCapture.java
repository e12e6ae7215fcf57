package org.hubkit.proxy.netty;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * What a logger logs while a test runs, at a level the test chooses; {@link #close} puts the
 * logger back as it was. The messages stay readable after that.
 */
final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Level levelBefore;
    private final boolean additiveBefore;

    /**
     * @param name the logger's name
     * @param level the level it logs at meanwhile
     * @param alsoToParents whether its events still go to its parents' appenders meanwhile
     */
    LogCapture(String name, Level level, boolean alsoToParents) {
        logger = (Logger) LoggerFactory.getLogger(name);
        levelBefore = logger.getLevel();
        additiveBefore = logger.isAdditive();
        appender.start();
        logger.setLevel(level);
        logger.setAdditive(alsoToParents);
        logger.addAppender(appender);
    }

    /** @return the formatted messages logged so far */
    List<String> messages() {
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setAdditive(additiveBefore);
        logger.setLevel(levelBefore);
    }
}
