namespace OrleansRep.Replication;

/// <summary>Answer to "is this commit applied here?" (Berkeley DB's txn_applied results).</summary>
public enum TokenStatus
{
    /// <summary>Applied (and durable on a client).</summary>
    Applied,

    /// <summary>Not yet, but expected: the caller may wait.</summary>
    Pending,

    /// <summary>Lost in a master change: it will never be applied.</summary>
    Lost,
}
