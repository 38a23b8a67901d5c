# MemFileStore for Jetty: https://github.com/memfilestore/memfilestore-java

[description]
Keeps sessions in MemFileStore: in memory, bounded, expiring, and
persisted to one checksummed file with a journal, so that sessions
survive a restart and a kill -9 without a database.

[tags]
session

[provides]
session-store

[depends]
sessions

[lib]
lib/memfilestore/*.jar

[xml]
etc/sessions/memfile/session-store.xml

[files]
sessions/

[ini-template]
## The save file; its journal and lock live beside it (owner-only files).
jetty.session.memfile.saveFile=${jetty.base}/sessions/sessions.json

## Attribute classes that may be read back, beyond JDK value types and
## collections: com.example.Cart, com.example.model.*, com.example.**
#jetty.session.memfile.allowedTypes=

## java (Serializable attributes) or json; both load only allowed classes.
#jetty.session.memfile.serializer=java

## SNAPSHOT, JOURNAL (a kill -9 loses nothing) or JOURNAL_SYNC (a power
## cut loses nothing: one fsync per request).
#jetty.session.memfile.durability=JOURNAL

## Most sessions kept, across all contexts; 0: no bound.
#jetty.session.memfile.max=0

## Bytes of heap the sessions loaded from the save file at start may take;
## a file that needs more stops the start (files left as they were).
## 0: three quarters of the JVM's maximum heap (-Xmx).
#jetty.session.memfile.loadBudget=0

## Seconds between snapshots of the whole file, and between sweeps of
## long-expired sessions.
#jetty.session.memfile.snapshotPeriodSec=300
#jetty.session.memfile.checkPeriodSec=60

## A file with a 16/24/32-byte AES key, raw or base64: the save file and
## journal are then sealed with AES-GCM.
#jetty.session.memfile.encryptionKeyFile=
## With a key, a plain (unencrypted) save file or journal stops the start;
## set this to true for the one start that encrypts an existing plain store.
#jetty.session.memfile.encryptExistingPlainFiles=false

#jetty.session.gracePeriod.seconds=3600
#jetty.session.savePeriod.seconds=0
