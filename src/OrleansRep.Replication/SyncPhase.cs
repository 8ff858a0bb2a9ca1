namespace OrleansRep.Replication;

/// <summary>Where a client's sync with its master stands (Berkeley DB's <c>sync_state</c>, plus the delayed and
/// refused states it keeps as flags).</summary>
internal enum SyncPhase
{
    /// <summary>Not syncing: the log is live (or this site is master).</summary>
    Off,

    /// <summary>A new master is known but <see cref="ReplicationOptions.DelayClient"/> holds the sync until
    /// <see cref="Inputs.SyncNow"/> (REP_F_DELAY).</summary>
    Delayed,

    /// <summary>VERIFY_REQ sent: looking for the last PERM record both logs share (SYNC_VERIFY).</summary>
    Verify,

    /// <summary>Internal init: UPDATE_REQ sent, waiting for the master's UPDATE (SYNC_UPDATE).</summary>
    Update,

    /// <summary>Internal init: fetching the snapshot's chunks (SYNC_PAGE).</summary>
    Page,

    /// <summary>Internal init: chunks stored, fetching the log up to the master's end at UPDATE time (SYNC_LOG).</summary>
    Log,

    /// <summary>Sync gave up (WOULD_ROLLBACK with AUTOROLLBACK off, or JOIN_FAILURE with AUTOINIT off): no log is
    /// taken until the next <see cref="ClientSync.Begin"/> (a new master or a restart) or a <see cref="Inputs.SyncNow"/>,
    /// which try again from the start (e.g. after the operator restored a backup).</summary>
    Refused,
}
