//! Each program's manual page as data: what it does and what each option and
//! operand means, in the project's words. `--help` prints it under the
//! program's usage line, `acm --man DIR` renders it as a section 8 page, and
//! `acm --completions` reads the options from it; a test checks that every
//! option a usage line names is described here.

/// One program's page. Its synopsis is the program's own usage line (the
/// command table's), never repeated here.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// The program, as in [`crate::program::ALL`].
    pub name: &'static str,
    /// One line: what it is for (the man page's NAME line).
    pub summary: &'static str,
    /// What it does, a paragraph or two (blank lines between paragraphs).
    pub description: &'static str,
    /// Each option as it is written (`-h serverName`), and what it does.
    pub options: &'static [(&'static str, &'static str)],
    /// Each operand (`deviceName`), and what it names.
    pub operands: &'static [(&'static str, &'static str)],
}

/// The page of program `name`, if it has one.
pub fn page(name: &str) -> Option<&'static Page> {
    PAGES.iter().find(|p| p.name == name)
}

/// `-h serverName` of every product command that takes it.
const H: &str = "Run the command on the Managed Server serverName (on the Management Server only).";

/// `-h serverName` of the replication commands that act on a pair.
const H_PAIR: &str =
    "Run the command on the Managed Server serverName (on the Management Server only); \
    for a server-to-server pair, name its operation server.";

/// `-Xjson` of the display commands.
const XJSON: &str = "Print the rows as one JSON array instead of the table (see docs/json.md).";

/// `-Xgroup groupName` of the replication operation commands.
const XGROUP: &str = "Act on every pair of the group groupName instead of one pair.";

/// `-Xreverse` of the replication operation commands.
const XREVERSE: &str =
    "With -Xgroup: act on the copies running from the replicas to the originals.";

/// `-m` of the replication operation commands.
const M_PAIR: &str =
    "For a server-to-server pair: do not communicate with the non-operation server (its \
    volume is not checked and its scripts do not run).";

/// The transaction volume operand of the backup commands.
const TD: &str = "The transaction volume (an AdvancedCopy Manager device name).";

/// The optional transaction volume operand of the backup displays.
const TD_ALL: &str = "Show only this transaction volume; every transaction volume when omitted.";

/// The pair operands of the replication operation commands.
const FROM: &str =
    "The copy source: the original of a registered pair, or its replica to copy the \
    other way (volume@server for a volume of another server).";
const TO: &str = "The copy destination: the other volume of the pair.";

/// Every page.
pub const PAGES: &[Page] = &[
    // ----------------------------------------------------------------- backup
    Page {
        name: "swstsvrset",
        summary: "declare this server a backup management server",
        description: "Records that the Managed Server takes part in backup management. Every other \
            backup command refuses to run on a server (swst1002) until this has been done there \
            once. Prints swstsvrset completed.\n\n\
            It is a configuration command: it runs only while no other backup configuration or \
            operation command runs on the server.",
        options: &[("-h serverName", H)],
        operands: &[],
    },
    Page {
        name: "swstsvrdisp",
        summary: "show the backup management configuration of a server",
        description: "Prints the name under which backup management knows the Managed Server, as \
            one line Storage-Server = NAME. Refused on a server where swstsvrset has not been run.",
        options: &[("-h serverName", H), ("-Xjson", XJSON)],
        operands: &[],
    },
    Page {
        name: "swstdevinfoset",
        summary: "register a device as a transaction or backup volume, or unregister it",
        description: "Marks a device of the server as a transaction volume (the data to back up) or \
            as a backup volume (a copy destination), or removes the mark. Exactly one of -t, -b and \
            -o is given. Prints swstdevinfoset completed.\n\n\
            Refused when the device overlaps a registered volume or has the same box position as \
            one, when a backup volume is mounted or used as a destination by replication, and \
            while a synchronous or tracking session involves the device. A transaction volume's \
            backup policy, and a backup volume's history, must be deleted before its mark is \
            changed or removed.",
        options: &[
            ("-h serverName", H),
            ("-t", "Register the device as a transaction volume."),
            ("-b", "Register the device as a backup volume."),
            ("-o", "Remove the device's registration as a transaction or backup volume."),
        ],
        operands: &[("deviceName", "The device (an AdvancedCopy Manager device name).")],
    },
    Page {
        name: "swstdevdisp",
        summary: "show the devices of backup management and their roles",
        description: "Lists devices with their server, name, size, role (Device-Mode: Transaction, \
            Backup (used), Backup (free) or Other), mount point and backup engine. Without -t, -b \
            and -o only transaction volumes are listed; with a device name only that device.\n\n\
            On the Management Server without -h and without a device name, the devices of every \
            server that has run swstsvrset are listed.",
        options: &[
            ("-h serverName", H),
            ("-t", "List the transaction volumes."),
            ("-b", "List the backup volumes."),
            ("-u", "With -b: show a backup volume still held by a suspended or tracking session whose \
                history was deleted as Backup (used-S) or Backup (used-T)."),
            ("-o", "List the devices that are neither, the candidates for registration."),
            ("-Xjson", XJSON),
        ],
        operands: &[("deviceName", "Show only this device.")],
    },
    Page {
        name: "swstbkpolset",
        summary: "set the backup policy of transaction volumes",
        description: "Sets how many generations of backups a transaction volume keeps (the save \
            number) and how many days may pass between two backups (the interval days). A value \
            left out keeps the current setting, or takes the default (30 days, 2 generations) \
            when the volume has no policy yet. Without a device name every transaction volume \
            gets the policy. Prints DEVICE swstbkpolset completed per volume.\n\n\
            The interval is only watched (swstexecstat shows DELAY): no backup starts by itself. \
            Refused when there are fewer backup volumes than the save number needs, when the \
            save number is below the number of generations the volume holds, and while \
            replication works on the volume.",
        options: &[
            ("-h serverName", H),
            ("-i intervalDays", "The days allowed between two backups, 1 to 366."),
            ("-s saveNumber", "The generations to keep, 1 to 31."),
        ],
        operands: &[(
            "deviceName",
            "The transaction volume; every transaction volume when omitted.",
        )],
    },
    Page {
        name: "swstbkpoldisp",
        summary: "show the backup policy of transaction volumes",
        description: "Prints, per transaction volume that has a policy, its interval days, save \
            number and mount point. Without a device name every volume with a policy is listed; \
            on the Management Server without -h and without a device name, those of every server \
            that has run swstsvrset.",
        options: &[("-h serverName", H), ("-Xjson", XJSON)],
        operands: &[("deviceName", TD_ALL)],
    },
    Page {
        name: "swstbkpoldel",
        summary: "delete the backup policy of a transaction volume",
        description: "Removes the backup policy of a transaction volume. Prints DEVICE swstbkpoldel \
            completed.\n\n\
            Refused while the volume still has backup history (delete it with swsthistdel \
            first), while its synchronous processing runs, and while replication works on it.",
        options: &[("-h serverName", H)],
        operands: &[("deviceName", TD)],
    },
    Page {
        name: "swstbackup",
        summary: "back up a transaction volume to a backup volume",
        description: "Copies the transaction volume to a free backup volume with OPC (QuickOPC with \
            -T) and records the copy as the newest generation of its history. When the history \
            already holds as many generations as the volume's backup policy keeps, the oldest is \
            deleted and its backup volume freed (one held by a suspended or tracking session \
            stays in use). When the synchronous processing started by swststartsync is \
            equivalent, the backup is taken from it instead: its backup volume becomes the new \
            generation, and with -suspend the session is kept suspended for a differential \
            resume. Prints DEVICE swstbackup completed; the physical copy goes on in the box.\n\n\
            The backup pre-processing script runs before the copy and the post-processing \
            script after it (OpcBackup.pre and OpcBackup.post). Refused without a backup policy, \
            while a restore to the volume runs, while synchronous processing is not yet \
            equivalent, when no free backup volume of the right size exists, and while \
            replication works on one of the volumes.",
        options: &[
            ("-h serverName", H),
            ("-suspend", "Take the backup by suspending synchronous processing (EC), keeping the \
                session for a differential resume."),
            ("-T", "Take a differential snapshot backup (QuickOPC): after the first full copy, only \
                the blocks changed since the last backup are copied. Not during synchronous \
                processing."),
            ("-Xdevmap deviceMapFile", "Pick the backup volume from the device map file: lines of \
                transactionVolume backupVolume. With -h, give the file's absolute path on that \
                server."),
        ],
        operands: &[("deviceName", "The transaction volume to back up.")],
    },
    Page {
        name: "swstbackstat",
        summary: "show the copy status of the latest backup of transaction volumes",
        description: "Prints, per transaction volume, the backup volume of its latest backup and the \
            state of that copy: succeeded, executing (with the percent copied in Execute), failed, \
            halt, or ????? when the box cannot tell; ---- when the volume has no backup. Without a \
            device name every transaction volume is listed; on the Management Server without -h \
            and without a device name, those of every server that has run swstsvrset.\n\n\
            failed, halt and ????? point to a hardware problem of the copy.",
        options: &[("-h serverName", H), ("-Xjson", XJSON)],
        operands: &[("deviceName", TD_ALL)],
    },
    Page {
        name: "swstrestore",
        summary: "restore a transaction volume from a backup generation",
        description: "Copies a generation of the backup history back with OPC: onto the transaction \
            volume itself, or with -r onto another device of the same size that is not a \
            transaction volume. Without -g or -v the latest generation is restored. The restore \
            pre- and post-processing scripts (OpcRestore.pre, OpcRestore.post) run around the \
            copy. Prints DEVICE swstrestore completed; the copy goes on in the box (see \
            swstreststat).\n\n\
            Refused while the transaction volume is in synchronous processing (cancel it with \
            swstcancelsync -all first), when -r names a transaction volume, a backup volume in \
            use, or a suspended or tracking backup volume, and while replication works on the \
            volumes. While the backup's own copy still runs, only a restore onto the transaction \
            volume itself is allowed.",
        options: &[
            ("-h serverName", H),
            ("-g generationNo", "Restore the generation with this relative number (1 is the newest; \
                see swsthistdisp)."),
            ("-v versionNo", "Restore the generation with this absolute number (its Version in \
                swsthistdisp)."),
            ("-r restoreDeviceName", "Restore onto this device instead of the transaction volume."),
        ],
        operands: &[("deviceName", "The transaction volume whose history is restored.")],
    },
    Page {
        name: "swstcancelrest",
        summary: "cancel a restore in progress",
        description: "Stops the OPC copy of a restore and removes its record. The destination is left \
            partly overwritten and must be restored again before it is used. Without -g or -v the \
            restore of the latest generation is cancelled. When the generation chosen is not the \
            one being restored to that device, it prints swst0303 and ends normally. Prints DEVICE \
            swstcancelrest completed.\n\n\
            Refused when the generation does not exist, when -r names a device the volume was \
            never restored to, and while replication works on the volume.",
        options: &[
            ("-h serverName", H),
            ("-g generationNo", "Cancel the restore of the generation with this relative number."),
            ("-v versionNo", "Cancel the restore of the generation with this absolute number."),
            ("-r restoreDeviceName", "The device restored to, when it was not the transaction \
                volume."),
            ("-emergency", "Emergency mode: remove the record without checking or stopping the OPC \
                session in the box (a session left behind must be stopped at the box)."),
        ],
        operands: &[("deviceName", TD)],
    },
    Page {
        name: "swstreststat",
        summary: "show the status of restores of transaction volumes",
        description: "Prints, per transaction volume, the generation and version being restored, the \
            backup volume copied from, the destination when it is not the transaction volume, and \
            the state of the copy: executing (with the percent copied), succeeded, failed, halt, \
            ?????, or ---- when no restore runs. With -g or -v only that generation's restore is \
            shown. On the Management Server without -h and without a device name, the restores \
            of every server that has run swstsvrset are listed.",
        options: &[
            ("-h serverName", H),
            ("-g generationNo", "Show only the restore of the generation with this relative number."),
            ("-v versionNo", "Show only the restore of the generation with this absolute number."),
            ("-Xjson", XJSON),
        ],
        operands: &[("deviceName", TD_ALL)],
    },
    Page {
        name: "swsthistdisp",
        summary: "show the backup history of transaction volumes",
        description: "Prints, for each transaction volume, a line Server=... Device=... \
            Mount-Point=..., then one row per generation: relative generation, absolute version, \
            backup date, backup volume, state of its copy and percent copied. A volume without \
            history shows its first line only. On the Management Server without -h and without a \
            device name, the history of every server that has run swstsvrset is shown.",
        options: &[("-h serverName", H), ("-Xjson", XJSON)],
        operands: &[("deviceName", TD_ALL)],
    },
    Page {
        name: "swsthistdel",
        summary: "delete backup history",
        description: "Deletes one generation (-g or -v) or every generation (-z) of a transaction \
            volume's history and frees its backup volume. An OPC copy still running for a deleted \
            generation is stopped, leaving that backup volume incomplete. A generation taken with \
            -T or -suspend keeps its session: its backup volume stays in use, reserved for the \
            same transaction volume. Prints DEVICE swsthistdel completed.\n\n\
            Refused when the generation does not exist or is being restored from, and while \
            replication works on one of the volumes.",
        options: &[
            ("-h serverName", H),
            ("-g generationNo", "Delete the generation with this relative number."),
            ("-v versionNo", "Delete the generation with this absolute number."),
            ("-z", "Delete every generation."),
            ("-emergency", "Emergency mode: do not check or stop the OPC sessions of the deleted \
                generations."),
        ],
        operands: &[("deviceName", TD)],
    },
    Page {
        name: "swststartsync",
        summary: "start backup synchronous processing (EC) of a transaction volume",
        description: "Starts an EC session from the transaction volume to a backup volume: a full \
            copy, after which the backup volume is kept equivalent until swstbackup takes the \
            backup by suspending it. A backup volume this volume left suspended is resumed first, \
            with a differential copy; otherwise a free backup volume is taken. When synchronous \
            processing already runs, it prints swst0301 and ends normally.\n\n\
            Refused without a backup policy, while a restore of the volume runs, when no backup \
            volume fits or the chosen one is mounted, and while replication works on the volume.",
        options: &[
            ("-h serverName", H),
            ("-Xdevmap deviceMapFile", "Pick the backup volume from the device map file: lines of \
                transactionVolume backupVolume. With -h, give the file's absolute path on that \
                server."),
        ],
        operands: &[("deviceName", TD)],
    },
    Page {
        name: "swstcancelsync",
        summary: "cancel backup synchronous processing",
        description: "Stops EC sessions of a transaction volume: without -bd or -all the synchronous \
            processing started by swststartsync (copying, equivalent, failed or halted), with -bd \
            the one to that backup volume, with -all every one, suspended ones included. Use it \
            also to clear processing that failed (see swstsyncstat).\n\n\
            Refused when no such processing exists and while replication works on the volume.",
        options: &[
            ("-h serverName", H),
            ("-emergency", "Emergency mode: remove the records without checking or stopping the EC \
                sessions in the box."),
            ("-bd backupDeviceName", "Cancel only the processing to this backup volume."),
            ("-all", "Cancel every synchronous processing of the volume, suspended ones included."),
        ],
        operands: &[("deviceName", TD)],
    },
    Page {
        name: "swstsyncstat",
        summary: "show the status of backup synchronous processing",
        description: "Prints one row per EC session of each transaction volume: the backup volume, \
            the state (executing, equivalent, suspend, failed, nosession, halt, ?????, or ---- \
            when there is none) and the percent copied. nosession means the management \
            information and the box disagree: run swstsrsemtch. On the Management Server without \
            -h and without a device name, every server that has run swstsvrset is shown.",
        options: &[("-h serverName", H), ("-Xjson", XJSON)],
        operands: &[("deviceName", TD_ALL)],
    },
    Page {
        name: "swstexecstat",
        summary: "show what runs on transaction volumes",
        description: "Prints, per transaction volume, the date of its last backup, whether the \
            policy's interval is exceeded (OK or DELAY=days), whether a backup command works on \
            it (EXEC or IDLE), and in Execute the command running or the copy in progress: \
            sync(NN%), snapshot(NN%), restore(NN%), or their failed and halt forms; a running \
            command is shown before a copy. On the Management Server without -h and without a \
            device name, every server that has run swstsvrset is shown.",
        options: &[
            ("-j", "Show Execute-Date in place of Last-Backup-Date, and no Interval column."),
            ("-h serverName", H),
            ("-Xjson", XJSON),
        ],
        operands: &[("deviceName", TD_ALL)],
    },
    Page {
        name: "swstcanceltrk",
        summary: "stop QuickOPC tracking of a transaction volume",
        description: "Ends the tracking that a differential backup (swstbackup -T) keeps between a \
            transaction volume and its backup volume, for one backup volume (-bd) or all of them \
            (-all); one of the two is required. A physical copy still running goes on unless \
            -copy is given.\n\n\
            Refused when the pair is not tracking.",
        options: &[
            ("-h serverName", H),
            ("-copy", "Also stop a physical copy still running (cancel the OPC session); refused for \
                a backup volume that holds history."),
            ("-emergency", "Emergency mode: remove the tracking record without checking or stopping \
                the session in the box."),
            ("-bd backupDeviceName", "Stop the tracking to this backup volume."),
            ("-all", "Stop every tracking of the transaction volume."),
        ],
        operands: &[("deviceName", TD)],
    },
    Page {
        name: "swsttrkstat",
        summary: "show the status of QuickOPC tracking",
        description: "Prints one row per tracking of each transaction volume: the backup volume, the \
            state (executing while the physical copy runs, tracking once it is done, failed, \
            nosession, ?????, or ---- when there is none), the percent copied, and in Update the \
            percent of the volume changed since the logical copy. On the Management Server \
            without -h and without a device name, every server that has run swstsvrset is shown.",
        options: &[("-h serverName", H), ("-Xjson", XJSON)],
        operands: &[("deviceName", TD_ALL)],
    },
    Page {
        name: "swstsrsemtch",
        summary: "make backup management information agree with the box",
        description: "Repairs the backup management information after a crash or failure left it \
            inconsistent: records of synchronous processing and of held backup volumes whose \
            session the box no longer has are dropped, and temporary files of an interrupted \
            save are removed; the history is kept. Prints swstsrsemtch completed.\n\n\
            It is a configuration command: it runs only while no other backup command that \
            changes the list runs.",
        options: &[
            ("-x", "Also have the Management Server take this server's device information into its \
                repository again."),
            ("-h serverName", H),
        ],
        operands: &[],
    },
    Page {
        name: "swstresback",
        summary: "save the backup management information to a directory",
        description: "Copies the backup management information (devices, policies and history) into \
            backupDirectory/FJSVswsts, replacing an older save there only once the new one is \
            complete; swstresrst puts it back. Prints swstresback completed. Refused when the \
            directory does not exist or cannot be written.",
        options: &[],
        operands: &[("backupDirectory", "The existing directory the information is saved in.")],
    },
    Page {
        name: "swstresrst",
        summary: "restore the backup management information saved by swstresback",
        description: "Replaces this server's backup management information with the copy swstresback \
            saved in backupDirectory, each file atomically. Run swstsvrset first when the \
            server's information is gone. Prints swstresrst completed. Refused when the directory \
            or the saved information does not exist.",
        options: &[],
        operands: &[("backupDirectory", "The directory given to swstresback.")],
    },
    Page {
        name: "swstestupdate",
        summary: "measure how much of a volume is updated, to size a Snap Data Volume",
        description: "start sets up a monitor session on the volume's LU in the box, which counts the \
            blocks written from then on; status prints Volume-Name and Update, the number of \
            512-byte blocks changed since start (---- without a monitor, failed when it is \
            error-suspended); stop removes the monitor. The figure tells how large a Snap Data \
            Volume a SnapOPC of the volume needs.\n\n\
            start is refused when a monitor exists already, stop when none does. The command \
            uses no backup management information.",
        options: &[("-Xjson", XJSON)],
        operands: &[
            ("start|status|stop", "Start, show or end the measurement."),
            ("volumeName", "The volume measured (an AdvancedCopy Manager device name)."),
        ],
    },
    Page {
        name: "swstsdv",
        summary: "initialize or show Snap Data Volumes and the Snap Data Pool",
        description: "init empties a Snap Data Volume (its data is lost; run it only while no \
            SnapOPC or SnapOPC+ uses it). stat prints the box ID and LUN of a Snap Data Volume, \
            then its usage rate and its logical, physical, used, copy, host and pool figures in \
            sectors. poolstat prints, per pool type (Normal, Encrypted), the Snap Data Pool's \
            rate and its total, used, copy, host and free sectors.\n\n\
            With -G the box is reached through another of its volumes (an access volume) and the \
            Snap Data Volume is named by its LU number, which works even when the Snap Data \
            Volume cannot be read for lack of capacity. A partition stands for the whole LU it \
            lies on.",
        options: &[
            ("-G accessVolumeName", "Reach the box through this volume and name the Snap Data \
                Volume by luNumber; with poolstat, the volume of the box whose pool is shown."),
            ("-Xjson", XJSON),
        ],
        operands: &[
            ("init|stat|poolstat", "Initialize a Snap Data Volume, show it, or show the pool."),
            ("volumeName", "The Snap Data Volume (an AdvancedCopy Manager device name)."),
            ("luNumber", "With -G: the Snap Data Volume's LU number in the box, in decimal."),
        ],
    },
    Page {
        name: "swstwait",
        summary: "wait until the processing of a transaction volume reaches a status",
        description: "Watches what swstreststat, swstsyncstat, swsttrkstat and swstbackstat show for \
            the transaction volume until it reaches the status asked: -s succeeded waits for its \
            backups and restores to finish copying, -s equivalent or -s suspend for its \
            synchronous processing, -s tracking for its tracking; without -s it waits until \
            nothing of the volume is executing. A suite addition, so that scripts need not poll \
            the display commands.\n\n\
            Exit status 0 when the status is reached; 1 when a copy failed, halted or cannot be \
            seen, or the volume has no such processing; 3 when -t seconds passed first; 2 for a \
            usage error. It takes no command lock.",
        options: &[
            ("-h serverName", H),
            ("-t seconds", "Give up after this many seconds, 0 to 86400 (exit status 3); without it, \
                wait as long as it takes."),
            ("-s status", "The status to wait for: succeeded, equivalent, suspend or tracking."),
        ],
        operands: &[("deviceName", TD)],
    },
    // ------------------------------------------------------------ replication
    Page {
        name: "swsrpsetvol",
        summary: "register a pair of replication volumes",
        description: "Declares originalVolumeName (the copy source) and replicaVolumeName (the copy \
            destination) a replication pair. A volume of another server is written volume@server; \
            at least one of the two must be on this server. A server-to-server pair is recorded \
            on both servers: the other one is asked, and nothing is saved if it refuses or cannot \
            be reached. Prints swsrpsetvol completed.\n\n\
            Refused when the pair or its reverse is registered already, when the sizes differ \
            without -n, when a volume overlaps a registered pair's, when the replica is a backup \
            volume (or the original is one and the pair is bidirectional), and for a \
            server-to-server pair without -o.",
        options: &[
            ("-h serverName", H),
            ("-n", "Do not compare the sizes of the two volumes; a copy then covers the smaller size, \
                from the first sector of each."),
            ("-u", "One-way pair: copies go only from the original to the replica (by default both \
                ways)."),
            ("-o ORG|REP|BOTH", "For a server-to-server pair (required there): the server that may \
                operate it, ORG the original's, REP the replica's, BOTH either."),
            ("-Xgroup groupName", "Put the pair in this group, made when new (letters, digits, -, _, \
                # and ., up to 64 characters, a letter or digit first)."),
        ],
        operands: &[
            ("originalVolumeName", "The copy source (volume@server for another server's volume)."),
            ("replicaVolumeName", "The copy destination (volume@server likewise)."),
        ],
    },
    Page {
        name: "swsrpvolinfo",
        summary: "show registered replication pairs",
        description: "Prints each pair: server, original volume and its size, replica volume and its \
            size, copy direction (uni-direction or bi-direction) and operation server (original, \
            replica or both). With an original volume only its pairs are shown.",
        options: &[
            ("-h serverName", H),
            ("-L", "Long form: add the Group column (---- for a pair in no group)."),
            ("-Xjson", XJSON),
        ],
        operands: &[("originalVolumeName", "Show only the pairs of this original volume.")],
    },
    Page {
        name: "swsrpdelvol",
        summary: "delete a registered replication pair",
        description: "Removes a pair, or with -Xgroup every pair of a group. A server-to-server pair \
            is removed on the other server first, then here. Prints swsrpdelvol completed.\n\n\
            Refused while a copy runs between the two volumes, on a non-operation server of the \
            pair, and when the other server cannot be reached (unless -d).",
        options: &[
            ("-h serverName", H_PAIR),
            ("-e", "Emergency mode: delete without checking whether a copy runs; use it only when \
                none does."),
            ("-d", "Server-to-server pair only: delete it here without contacting the other server \
                (when that server is lost); allowed on a non-operation server."),
            ("-Xgroup groupName", "Delete every pair of this group."),
        ],
        operands: &[
            ("originalVolumeName", "The pair's original volume."),
            ("replicaVolumeName", "The pair's replica volume."),
        ],
    },
    Page {
        name: "swsrprecbuffstat",
        summary: "show the REC buffers of a volume's box",
        description: "Prints the box ID of the box that holds volumeName, then one row per REC buffer \
            of that box: its ID, use (SEND or RECV), usage rate, and the box at the other end. REC \
            buffers carry Consistency mode REC; a RECV buffer always shows 0%, and ---- means the \
            buffer cannot be used just now (a change taking effect).",
        options: &[
            ("-h serverName", H),
            ("-L", "Long form: add DiskBuff, the REC disk buffer's state (active, invalid, \
                warning(code=xx), inactive(code=xx), not_support, or --- for a receiving buffer), \
                and DiskRate, its usage."),
            ("-Xjson", XJSON),
        ],
        operands: &[("volumeName", "A replication volume of this server; its box is the one shown.")],
    },
    Page {
        name: "swsrprecbuffset",
        summary: "change the use of a REC buffer",
        description: "Makes REC buffer buffer-id of the box that holds volumeName a sending or a \
            receiving buffer. The box refuses while a Consistency mode REC session through the \
            buffer is active or error-suspended (swsrp1804), and the buffer cannot be used for a \
            short while after a change. Prints swsrprecbuffset completed.",
        options: &[
            ("-h serverName", H),
            ("-Xbuffid buffer-id", "The ID of the REC buffer to change (see swsrprecbuffstat)."),
            ("-Xbuffuse SEND|RECV", "The new use: SEND for sending data, RECV for receiving."),
        ],
        operands: &[("volumeName", "A replication volume of this server, in the buffer's box.")],
    },
    Page {
        name: "swsrpstartsync",
        summary: "start or resume synchronous replication (EC, REC)",
        description: "Starts an EC session (within one box) or an REC session (between boxes) from \
            fromVolumeName to toVolumeName, or with -Xgroup for every pair of a group. A new \
            session copies the whole volume and then keeps the destination equivalent; a session \
            suspended by swsrpmake (replicated) resumes with a differential copy; one already \
            copying or equivalent is left alone (swsrp2401, a normal end). Prints FROM=...,TO=... \
            (or GROUP=...) swsrpstartsync completed.\n\n\
            The destination's pre-processing script (RepDst.pre) runs first, except with -t or \
            -Xgroup. The REC mode options apply when a session starts; on a resume they must \
            match the session's modes. Refused for a one-way pair copied backwards, on a \
            non-operation server, when the destination cannot be unmounted, and while backup \
            management works on a volume.",
        options: &[
            ("-h serverName", H_PAIR),
            ("-y", "REC in Synchronous transfer mode (Automatic Split unless -v). Without -y, -k and \
                -i the transfer mode is Through."),
            ("-a", "With -y: Automatic Split mode."),
            ("-v", "With -y: Manual Split mode."),
            ("-k", "REC in Stack transfer mode."),
            ("-i", "REC in Consistency transfer mode."),
            ("-g", "REC in Manual Recovery mode (Automatic Recovery by default)."),
            ("-m", M_PAIR),
            ("-Xskip", "REC: skip the initial copy and suspend at once (the destination is filled \
                otherwise, from tape for instance)."),
            ("-Xremain", "REC resume: copy only what changed on the source, keeping what was written \
                to the destination meanwhile (after -Xskip)."),
            ("-t", "Do not run the destination's pre-processing script."),
            ("-Xda", "While the session lives, forbid reads of the destination as well as writes \
                (by default writes only); only when a session starts."),
            ("-Xreverse", XREVERSE),
            ("-Xgroup groupName", XGROUP),
        ],
        operands: &[("fromVolumeName", FROM), ("toVolumeName", TO)],
    },
    Page {
        name: "swsrpmake",
        summary: "create a replica: suspend synchronous replication or take a snapshot",
        description: "When the pair has an EC or REC session that is equivalent, suspends it \
            (replicated), so the destination keeps the copy of that moment; -j suspends an REC \
            session by force even while copying or halted, and -Xconcur suspends the sessions of \
            a group at one point in time (Concurrent Suspend). Otherwise takes a snapshot: OPC, \
            QuickOPC with -T, SnapOPC with -C, SnapOPC+ with -P, and with -Xconcur-opc the \
            snapshots of a whole group at one point in time (Concurrent OPC). A snapshot already \
            running is started again (QuickOPC differentially). Prints FROM=...,TO=... (or \
            GROUP=...) swsrpmake completed.\n\n\
            The pre- and post-processing scripts of the source and destination (RepSrc, RepDst) \
            run around the copy; -f, -t and -m leave some out, and none run for -j or -Xgroup. \
            Refused when a synchronous pair is not equivalent, when a group mixes synchronous \
            and snapshot pairs, on a non-operation server, and while backup management works on \
            a volume.",
        options: &[
            ("-h serverName", H_PAIR),
            ("-m", M_PAIR),
            ("-f", "Do not run the source's pre- and post-processing scripts."),
            ("-t", "Do not run the destination's pre- and post-processing scripts."),
            ("-j", "REC only: suspend by force even while copying (sync) or halted; the destination's \
                data is not guaranteed and no script runs."),
            ("-Xconcur", "Suspend with Concurrent Suspend: all sessions of the group at one point in \
                time."),
            ("-T", "Snapshot with QuickOPC: after the first full copy only changes are copied."),
            ("-C", "Snapshot with SnapOPC (copy-on-write into a Snap Data Volume, within one box)."),
            ("-P", "Snapshot with SnapOPC+ (a new copy-on-write generation, within one box)."),
            ("-Xconcur-opc", "With -Xgroup: start the group's snapshots with Concurrent OPC, at one \
                point in time."),
            ("-Xreverse", XREVERSE),
            ("-Xgroup groupName", XGROUP),
        ],
        operands: &[("fromVolumeName", FROM), ("toVolumeName", TO)],
    },
    Page {
        name: "swsrpstat",
        summary: "show the operation status of replication pairs",
        description: "Prints one row per pair and session: server, original and replica volume, \
            direction (regular, reverse, or ---- without a session), status and percent copied. \
            The status is ---- (no copy), readying (Concurrent OPC defined), sync (copying), \
            equivalent, replicated (suspended), snap (OPC or QuickOPC copying), copy-on-write \
            (SnapOPC; SnapOPC+ adds (active) for the newest generation and (inactive) for older \
            ones), failed, halt, or ????? when the box cannot tell. With an original volume or a \
            group only those pairs are shown.",
        options: &[
            ("-h serverName", H),
            ("-L", "Long form: add Trk (tracking), Update, the REC modes (Rcv, Split, Xfer) and \
                Snap-Gen (the SnapOPC+ generation)."),
            ("-Xdate", "Add Date, the time of the session's last status change."),
            ("-Xda", "Add Copy-DA: on when reads and writes of the destination are forbidden."),
            ("-Xall", "Show every column (not with -L, -Xdate or -Xda)."),
            ("-E", "Show only the sessions copying the other way (replica to original)."),
            ("-H", "Tell halt states apart: halt(sync), halt(equivalent), halt(use-buffer), \
                halt(use-disk-buffer)."),
            ("-O", "Tell failed states apart: failed(badsector), failed(overflow), failed(other)."),
            ("-Xgroup groupName", "Show only the pairs of this group."),
            ("-Xjson", XJSON),
        ],
        operands: &[("originalVolumeName", "Show only the pairs of this original volume.")],
    },
    Page {
        name: "swsrpcancel",
        summary: "stop the copy session of a replication pair",
        description: "Stops the session between fromVolumeName and toVolumeName in that direction, or \
            those of every pair of a group: synchronous processing in any state, a snapshot, \
            tracking, or the oldest SnapOPC+ generation. The destination is a usable replica only \
            when the session was equivalent or replicated, or the snapshot's copy had ended. The \
            pre- and post-processing scripts run only when an equivalent session is stopped. \
            Prints FROM=...,TO=... (or GROUP=...) swsrpcancel completed.\n\n\
            Refused when the pair has no session in that direction, on a non-operation server \
            (except with -c or -b), and while backup management works on a volume.",
        options: &[
            ("-h serverName", H_PAIR),
            ("-c", "From a non-operation server, when the operation server is down: stop the copy \
                without scripts."),
            ("-f", "Do not run the source's scripts when an equivalent session is stopped."),
            ("-t", "Do not run the destination's post-processing script when an equivalent session \
                is stopped."),
            ("-m", M_PAIR),
            ("-b", "Stop only a halted REC session: within one server in either box, between servers \
                in this server's box; allowed on a non-operation server."),
            ("-T", "End only QuickOPC tracking: a physical copy still running goes on, a finished \
                one's session ends."),
            ("-Xforce", "SnapOPC+: stop this generation and every older one."),
            ("-Xreverse", XREVERSE),
            ("-Xgroup groupName", XGROUP),
        ],
        operands: &[("fromVolumeName", FROM), ("toVolumeName", TO)],
    },
    Page {
        name: "swsrpchsync",
        summary: "change the modes of inter-box synchronous replication (REC)",
        description: "Changes the transfer, recovery or split mode of an REC session that is copying \
            or equivalent, for one pair or every pair of a group; a group is checked whole before \
            any pair changes. At least one of -F, -R and -S is required. Prints FROM=...,TO=... \
            (or GROUP=...) swsrpchsync completed.\n\n\
            Refused for an EC session, for one that is replicated, failed or halted, and on a \
            non-operation server.",
        options: &[
            ("-h serverName", H_PAIR),
            ("-F {Sync|Async|Stack|Consist}", "The transfer mode: Sync (Synchronous), Async \
                (Through), Stack or Consist (Consistency)."),
            ("-R {Auto|Manual}", "The recovery mode: Automatic or Manual."),
            ("-S {Auto|Manual}", "The split mode: Automatic or Manual; only with -F Sync or for a \
                session in Synchronous mode. -F Sync without -S gives Automatic Split."),
            ("-Xreverse", XREVERSE),
            ("-Xgroup groupName", XGROUP),
        ],
        operands: &[("fromVolumeName", FROM), ("toVolumeName", TO)],
    },
    Page {
        name: "swsrprevsync",
        summary: "reverse the copy direction of a suspended synchronous pair",
        description: "Turns a replicated (suspended) EC or REC session around, so that it copies the \
            other way when it is resumed. With -Xgroup every pair of the group is checked first \
            and pairs already in the asked direction are skipped. Prints the completion line \
            naming the new direction.\n\n\
            Refused for a one-way pair, for a session that is not replicated, and on a \
            non-operation server.",
        options: &[
            ("-h serverName", H_PAIR),
            ("-Xreverse", "With -Xgroup: turn around the sessions now copying from the replicas to \
                the originals."),
            ("-Xgroup groupName", XGROUP),
        ],
        operands: &[
            ("fromVolumeName", "The session's source now, which becomes its destination."),
            ("toVolumeName", "The session's destination now, which becomes its source."),
        ],
    },
    Page {
        name: "swsrprecoverres",
        summary: "repair replication management information",
        description: "Makes the replication management information agree again after a crash or \
            failure: the box is asked about every pair's sessions, and post-processing that an \
            interrupted swsrpmake left undone is run. Without -r a damaged list is refused (use \
            -r). Prints swsrprecoverres completed.\n\n\
            It runs only while no other replication command runs.",
        options: &[
            ("-h serverName", H),
            ("-r", "Rebuild the replication management list from its repository copy, or without one \
                from the sessions the box holds between this server's disks; for a list lost, \
                damaged, or left by an interrupted swsrpsetvol or swsrpdelvol."),
            ("-p", "Do not run the post-processing an interrupted swsrpmake left undone; forget it."),
        ],
        operands: &[],
    },
    Page {
        name: "swsrpwait",
        summary: "wait until a replication pair or group reaches a status",
        description: "Watches the status swsrpstat shows for the pair, or for every pair of the group, \
            until it is the word given with -s; without -s until the copy under way ends (sync \
            to equivalent, a snap copy to its end, readying to a start), a pair with no copy under \
            way having reached it already. A suite addition, so that scripts need not poll \
            swsrpstat.\n\n\
            Exit status 0 when the status is reached; 1 when a copy failed or halted, cannot be \
            seen, or its session vanished; 3 when -t seconds passed first; 2 for a usage error. \
            It takes no command lock.",
        options: &[
            ("-h serverName", H),
            ("-t seconds", "Give up after this many seconds, 0 to 86400 (exit status 3); without it, \
                wait as long as it takes."),
            ("-s status", "The swsrpstat Status word to wait for: ----, readying, sync, equivalent, \
                replicated, snap, copy-on-write, copy-on-write(active) or \
                copy-on-write(inactive)."),
            ("-Xgroup groupName", "Wait for every pair of this group."),
        ],
        operands: &[("fromVolumeName", FROM), ("toVolumeName", TO)],
    },
    Page {
        name: "swsrppeer",
        summary: "internal helper that serves a replication request of another server",
        description: "Not an operator command. For a server-to-server pair, one Managed Server runs \
            swsrppeer on the other (through that server's communication daemon, or directly for \
            a local peer named in peers.ini) to resolve a device, check a volume, run a pre- or \
            post-processing script, or add or remove the pair in its list.\n\n\
            It reads one JSON request on standard input and prints one JSON response on standard \
            output. It takes no argument and refuses any. Root only.",
        options: &[],
        operands: &[],
    },
    // ---------------------------------------------------------- configuration
    Page {
        name: "stgcmmodnode",
        summary: "show or change this server's Management Server information",
        description: "Without options, prints what this server knows of its Management Server: IP \
            address, port and name (??? for what it does not know). With options, changes them: \
            on a Managed Server in its registry; on the Management Server its own address and \
            port (-n is refused there). Prints swstf2401 when something changed.\n\n\
            Changes are refused while the communication daemon runs: stop the daemons with \
            stopacm first and start them again afterwards.",
        options: &[
            ("-i ipAddress", "The Management Server's IP address."),
            ("-p portNumber", "The port of the Management Server's communication daemon, 1024 to \
                65535."),
            ("-n serverName", "The Management Server's name (not on the Management Server itself)."),
        ],
        operands: &[],
    },
    Page {
        name: "stgxfwcmaddsrv",
        summary: "register a server in the repository (Management Server)",
        description: "Adds a Managed Server to the Management Server's repository, after contacting it \
            at the address and port given: it must answer with exactly the name given. Prints \
            stgxfwcmaddsrv completed.\n\n\
            Refused for an invalid name, address or port, a name registered already, and a \
            server that cannot be reached or answers to another name.",
        options: &[
            ("-n serverName", "The server's name (letters, digits, -, _ and .)."),
            ("-i ipAddress", "Its IP address (IPv4 or IPv6)."),
            ("-p portNumber", "The port of its communication daemon, 1024 to 65535."),
        ],
        operands: &[],
    },
    Page {
        name: "stgxfwcmmodsrv",
        summary: "change a registered server's name, address or port (Management Server)",
        description: "Changes one server (-n with any of -s, -i and -p), or applies a file of changes \
            (-f), all or nothing. Every changed server must answer to its new name at its new \
            address before anything is saved, so rename the server itself first; a renamed \
            server keeps its device information. Prints stgxfwcmmodsrv completed.\n\n\
            The Management Server's own record is refused: change it with stgcmmodnode.",
        options: &[
            ("-n serverName", "The server to change."),
            ("-s newServerName", "Its new name."),
            ("-i ipAddress", "Its new IP address."),
            ("-p portNumber", "Its new port, 1024 to 65535."),
            ("-f fileName", "A file of changes, one server a line: serverName ipAddress portNumber \
                [newServerName]; blank lines and lines starting with # are ignored."),
        ],
        operands: &[],
    },
    Page {
        name: "stgxfwcmdelsrv",
        summary: "remove a server from the repository (Management Server)",
        description: "Deletes a registered Managed Server from the repository. Prints stgxfwcmdelsrv \
            completed.\n\n\
            Refused for the Management Server and for a server that still has device information \
            (delete it with stgxfwcmdeldev first).",
        options: &[("-n serverName", "The server to remove.")],
        operands: &[],
    },
    Page {
        name: "stgxfwcmsetdev",
        summary: "collect a server's device information into the repository (Management Server)",
        description: "Asks a server which devices it has (disks, VxVM disks, volume groups that are \
            varied on) and stores the answer in the repository: every device, replacing what was \
            held, or with -d only that one. Prints stgxfwcmsetdev completed.",
        options: &[
            ("-n serverName", "The server asked (the Management Server itself when omitted)."),
            ("-d deviceName", "Collect only this device, adding or replacing it."),
        ],
        operands: &[],
    },
    Page {
        name: "stgxfwcmdeldev",
        summary: "delete a device from the repository (Management Server)",
        description: "Removes one device from a server's device information in the repository. Prints \
            stgxfwcmdeldev completed. Refused when the server is not registered or has no such \
            device.",
        options: &[
            ("-n serverName", "The server the device belongs to."),
            ("-d deviceName", "The device to remove."),
        ],
        operands: &[],
    },
    Page {
        name: "stgxfwcmdispsrv",
        summary: "list the servers of the repository (Management Server)",
        description: "Prints one row per registered server, the Management Server first: name, type \
            (Management-Server or Managed-Server), IP address and port. The names are the exact \
            values to give -h.",
        options: &[("-n serverName", "Show only this server."), ("-Xjson", XJSON)],
        operands: &[],
    },
    Page {
        name: "stgxfwcmdispdev",
        summary: "list a server's devices held in the repository (Management Server)",
        description: "Prints the devices held for a server: device, type (disk, vg or vxvm), size, box \
            ID, LUN in the box, the volume group of a disk, and mount point; ---- for an empty \
            cell.",
        options: &[
            ("-n serverName", "The server whose devices are shown."),
            ("-d deviceName", "Show only this device."),
            ("-Xjson", XJSON),
        ],
        operands: &[],
    },
    Page {
        name: "stgxfwcmdisppat",
        summary: "show the partitions of a device held in the repository (Management Server)",
        description: "Prints the partitions of one device held for a server, with their type and \
            mount point: for a volume group its disks and logical volumes, for a disk the disk \
            itself.",
        options: &[
            ("-n serverName", "The server the device belongs to."),
            ("-d deviceName", "The device whose partitions are shown."),
        ],
        operands: &[],
    },
    Page {
        name: "stgenvdisp",
        summary: "show the environment settings of AdvancedCopy Manager",
        description: "Prints the server type (Management server or Server), the Management Server's \
            IP address (??? when unknown), the communication port (that of the stgxfws service, \
            1226 when none is set), then the version, the language, and the program, fixed \
            configuration and modifying configuration directories. It works whether or not the \
            daemons run.",
        options: &[("-Xjson", XJSON)],
        operands: &[],
    },
    Page {
        name: "stgmgrinfoset",
        summary: "register, delete or show the management information backup server",
        description: "With -d and -c, makes this server the one that backs up the management \
            information of every server (with stgmgrinfobkup) into a directory (swstf3000); with \
            -del, removes that role (swstf3001); without options, shows the registered directory \
            and encoding. Register one server only. To change the directory, delete the \
            registration first.",
        options: &[
            ("-del", "Delete the registration; the directory and its contents are left in place."),
            ("-d directoryName", "The existing absolute directory the backups are kept in; its name \
                is letters, digits and _."),
            ("-c managementServerEncoding", "The Management Server's encoding: only ASCII is \
                accepted."),
        ],
        operands: &[],
    },
    Page {
        name: "stgmgrinfobkup",
        summary: "back up the management information of the servers",
        description: "Run on the server registered with stgmgrinfoset, it gathers the management \
            information of the repository's servers (or of one) into its directory, one \
            subdirectory per server and type, each replaced only once complete. Without -t a \
            policy file decides per server which of BkupData and ReplData to save. Prints a start \
            and an end message per server and a final one.\n\n\
            A server that fails is reported on standard error and the others go on; the command \
            then ends with exit status 1. Only one run at a time.",
        options: &[
            ("-n serverName", "Back up only this server."),
            ("-t backupType", "Save only this type: RegiData (the registry), MgrInfoData (the policy \
                file, of this server only), BkupData (backup management) or ReplData (replication \
                management)."),
        ],
        operands: &[],
    },
    Page {
        name: "stgmgrinfodisp",
        summary: "show when the management information was last backed up",
        description: "On the server registered with stgmgrinfoset, prints per server the date and time \
            of the latest stgmgrinfobkup backup of each type it has (RegiData, BkupData, ReplData, \
            MgrInfoData). A server without backups prints nothing.",
        options: &[("-n serverName", "Show only this server.")],
        operands: &[],
    },
    Page {
        name: "stgrepcnv",
        summary: "migrate repository data to the current format (Management Server)",
        description: "Reads the repository data of this Management Server, or the copy in a \
            directory (from another or an older installation), in any layout the suite has \
            written; fills in the fields added since with their defaults, checks the servers, and \
            replaces this server's repository with the result (with the repository in \
            PostgreSQL, the database is read, checked and written back). Prints swstf5000 with \
            the number of servers and devices.",
        options: &[
            (
                "-d directoryName",
                "Migrate the repository.json in this directory instead of this server's own.",
            ),
            (
                "-Xto postgresql|file",
                "Copy between the backends: postgresql copies the file repository (or -d's) into \
                 the PostgreSQL database that repository.ini names with Connection=; file copies \
                 that database into the file repository (not with -d). Either replaces all the \
                 destination holds, in one transaction or one atomic replacement.",
            ),
        ],
        operands: &[],
    },
    Page {
        name: "acmcapture",
        summary: "collect troubleshooting data of this server",
        description: "Writes one compressed archive, acmcapture_HOST_YYYYMMDD_hhmmss.tar.Z, into \
            dirname: the configuration, logs, management lists, scripts and repository of the \
            AdvancedCopy Manager packages, with the simulated host and the simulator's boxes. \
            Private keys are never collected, and files over 4 MiB (LUN data) are only listed. \
            Prints its progress and the path of the archive (OUTPUT=...).\n\n\
            Refused when dirname does not exist. Run it while no other command runs.",
        options: &[],
        operands: &[("dirname", "The existing directory the archive is written to.")],
    },
    Page {
        name: "stgfwcom",
        summary: "start or stop the communication daemon",
        description: "start launches the communication daemon, which serves other servers' requests \
            (the -h form, server-to-server replication, the configuration commands) over mutually \
            authenticated TLS, and returns once it listens; stop ends it and waits until it is \
            gone. Starting a running daemon or stopping a stopped one is an information message \
            and a normal end. Nothing is printed on success.\n\n\
            Refused while SWSTGNODE is set; start also fails when the server has no TLS identity \
            (acmsetup cert) or the port is taken.",
        options: &[],
        operands: &[("start|stop", "Start or stop the daemon.")],
    },
    Page {
        name: "stgagent",
        summary: "internal helper that answers a configuration request of another server",
        description: "Not an operator command. The configuration commands run it on the server they \
            need to ask, through that server's communication daemon or directly for a local \
            peer, and read its standard output. Root only.",
        options: &[],
        operands: &[
            ("whoami", "Print this server's name."),
            ("server serverName", "On the Management Server: print that server's record as JSON \
                (exit status 1 when it is not registered)."),
            ("servers", "On the Management Server: print every server's record as a JSON array."),
            ("devices", "Print this server's devices as a JSON array."),
            ("collect RegiData|MgrInfoData|BkupData|ReplData", "Print a tar archive of this \
                server's management information of that type."),
        ],
    },
    Page {
        name: "startacm",
        summary: "start the AdvancedCopy Manager daemons",
        description: "Starts the daemons of this server, which on a Managed Server is the \
            communication daemon (as stgfwcom start). Nothing is printed on success; a daemon \
            already running is an information message and a normal end. Refused while SWSTGNODE \
            is set.",
        options: &[],
        operands: &[],
    },
    Page {
        name: "stopacm",
        summary: "stop the AdvancedCopy Manager daemons",
        description: "Stops the communication daemon of this server and waits until it has ended; \
            none running is an information message and a normal end. It reads no configuration, \
            so a daemon can be stopped whatever state the server's files are in.",
        options: &[],
        operands: &[],
    },
    Page {
        name: "acmsetup",
        summary: "set up an AdvancedCopy Manager node (the installer's part)",
        description: "Does what the product's installer does for a server, so that an empty root \
            becomes a working node: it names the node and its Management Server, creates the \
            site's certificate authority, and issues the node's TLS certificate. Not a product \
            command.\n\n\
            Refusals are printed as acmsetup: SETUP0001 text (exit status 1), usage errors as \
            SETUP0002 (exit status 2). Each subcommand has --help.",
        options: &[],
        operands: &[
            ("node", "--name serverName [--ip ipAddress] [--port portNumber] [--manager | \
                --manager-ip IP --manager-port PORT --manager-name NAME]: write the node's name, \
                address (127.0.0.1 by default) and daemon port (1226 by default), and make it the \
                Management Server or name its Management Server."),
            ("ca", "DIR [--name caName]: create the site certificate authority in DIR (keep \
                DIR/ca.key safe)."),
            ("cert", "--ca DIR: issue this node's certificate, for its server name, into its TLS \
                directory."),
        ],
    },
    // -------------------------------------------------------------- simulator
    Page {
        name: "acmsim",
        summary: "administer the simulated ETERNUS array and the simulated AIX host",
        description: "The console of the simulator the suite uses in place of a real array: it \
            creates boxes and LUNs under $ACMSIM_HOME, attaches them as disks of the simulated \
            host of this server (under $ACM_ROOT), writes and checks data, drives copy sessions \
            as the array's own console would, injects faults, and runs the array service that \
            the commands reach through the SCSI driver (started on demand when none runs). Not a \
            product command.\n\n\
            Errors are printed as acmsim: SIMnnnn text (exit status 1), usage errors as SIM0002 \
            (exit status 2). Each subcommand has --help; here -h asks for help, it names no \
            server.",
        options: &[],
        operands: &[
            ("box", "create NAME (prints the box identifier), list, show NAME."),
            ("lun", "create NAME --size SIZE [--count N] [--sdv [--physical SIZE] | --access | \
                --thin] (prints one line per LUN), list NAME."),
            ("host", "The simulated host: attach NAME OLU DEVICE [--vxvm] [--block], attach-node, \
                detach, vg create|remove|varyon|varyoff, lv, mount, umount, freeze, thaw, \
                blockdev, recover, list."),
            ("write", "DEVICE --seed N [--offset SIZE] [--length SIZE]: write reproducible \
                pseudo-random data to a host device through the array."),
            ("checksum", "DEVICE: print the SHA-256 of the device's contents as the host reads \
                them."),
            ("rate", "NAME RATE: the box's background copy rate, bytes per second (K, M, G), \
                unlimited or paused."),
            ("advance", "NAME --bytes SIZE | --all: run the box's background copy now."),
            ("show", "[--svg FILE]: every box, LUN, host disk and copy session with its progress, \
                as tables; --svg also draws them."),
            ("sessions", "NAME [--olu N]: the copy sessions of a box, or of one LUN."),
            ("pool", "NAME --size SIZE [--encrypted]: the capacity of the box's Snap Data Pool."),
            ("sdv", "NAME OLU --physical SIZE: the physical capacity of a Snap Data Volume."),
            ("path", "A B up|down: create an REC path between two boxes, or bring it up or down."),
            ("recbuf", "NAME --id N --use SEND|RECV --size SIZE --remote BOX: add an REC buffer."),
            ("diskbuf", "NAME --size SIZE | --fault CODE | --remove: the box's REC disk buffer."),
            ("copy", "start KIND SOURCE DESTINATION, restart, suspend, cancel, reverse, concurrent, \
                list: control copy sessions through the SCSI driver."),
            ("fault", "badsector NAME OLU LBA, hwerror NAME OLU [--clear], unobtainable NAME on|off: \
                inject or clear faults."),
            ("limits", "NAME [--box-sessions N] [--lun-sessions N]: the box's session limits."),
            ("serve", "[--foreground] [--idle-exit SECONDS]: run the array service of \
                $ACMSIM_HOME."),
            ("iscsi", "start --listen ADDR:PORT [--chap USER:SECRET], stop, status: the array \
                service's iSCSI portal."),
            ("stop", "Stop the array service, committing everything first."),
            ("status", "Whether the array service runs and what it serves (exit status 3 when it \
                does not)."),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::ALL;

    #[test]
    fn one_page_per_program_in_table_order() {
        let pages: Vec<&str> = PAGES.iter().map(|p| p.name).collect();
        let programs: Vec<&str> = ALL.iter().map(|p| p.name).collect();
        assert_eq!(pages, programs);
        for p in ALL {
            assert_eq!(page(p.name).map(|g| g.name), Some(p.name));
        }
        assert!(page("sh").is_none());
    }

    #[test]
    fn pages_are_well_formed() {
        for p in PAGES {
            let first = p.summary.chars().next().unwrap_or(' ');
            assert!(
                first.is_ascii_lowercase(),
                "{}: summary starts lower case",
                p.name
            );
            assert!(
                !p.summary.ends_with('.'),
                "{}: summary has no final period",
                p.name
            );
            assert!(!p.summary.contains('\n'), "{}: summary is one line", p.name);
            assert!(!p.description.is_empty(), "{}: has a description", p.name);
            for para in p.description.split("\n\n") {
                assert!(
                    !para.is_empty() && !para.contains('\n'),
                    "{}: paragraphs",
                    p.name
                );
                assert_eq!(para.trim(), para, "{}: no stray white space", p.name);
                assert!(
                    !para.starts_with(['.', '\'']),
                    "{}: no roff control line",
                    p.name
                );
            }
            for (i, (key, what)) in p.options.iter().enumerate() {
                let opt = key.split_whitespace().next().unwrap_or("");
                assert!(
                    opt.starts_with('-') && opt.len() > 1,
                    "{}: option {key}",
                    p.name
                );
                assert!(
                    !what.is_empty() && !what.contains('\n'),
                    "{}: {key}",
                    p.name
                );
                let again = p.options[i + 1..]
                    .iter()
                    .any(|(k, _)| k.split_whitespace().next() == Some(opt));
                assert!(!again, "{}: {opt} described twice", p.name);
            }
            for (key, what) in p.operands {
                assert!(
                    !key.is_empty() && !key.starts_with('-'),
                    "{}: operand {key}",
                    p.name
                );
                assert!(
                    !what.is_empty() && !what.contains('\n'),
                    "{}: {key}",
                    p.name
                );
            }
        }
    }
}
