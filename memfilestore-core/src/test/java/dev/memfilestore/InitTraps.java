package dev.memfilestore;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Classes that must never be initialized by a serializer, each flipping its own flag from its
 * static initializer. The tests name them only as strings in planted data, so the flags are true
 * only if a serializer loaded and initialized the class. Reading a flag initializes this outer
 * class, never the nested ones.
 */
final class InitTraps {
  static final AtomicBoolean PLAIN = new AtomicBoolean();
  static final AtomicBoolean ARRAY = new AtomicBoolean();
  static final AtomicBoolean GENERIC = new AtomicBoolean();
  static final AtomicBoolean ELEMENT = new AtomicBoolean();
  static final AtomicBoolean IN_RECORD = new AtomicBoolean();
  static final AtomicBoolean MAP_VALUE = new AtomicBoolean();
  static final AtomicBoolean CONTROL = new AtomicBoolean();

  private InitTraps() {}

  static final class Plain {
    static {
      PLAIN.set(true);
    }
  }

  static final class Array {
    static {
      ARRAY.set(true);
    }
  }

  static final class Generic {
    static {
      GENERIC.set(true);
    }
  }

  static final class Element {
    static {
      ELEMENT.set(true);
    }
  }

  static final class InRecord {
    static {
      IN_RECORD.set(true);
    }
  }

  static final class MapValue {
    static {
      MAP_VALUE.set(true);
    }
  }

  /** Initialized on purpose by a test, to show that the flags do flip. */
  static final class Control {
    static {
      CONTROL.set(true);
    }
  }
}
