namespace OrleansRep.Runtime.Core;

/// <summary>A grain state write or clear carried an ETag that is not the stored one: the state changed since it was
/// read (another activation, or a concurrent writer). Nothing was changed; re-read and retry if that is right.</summary>
public sealed class InconsistentStateException : Exception
{
    public InconsistentStateException()
    {
    }

    public InconsistentStateException(string message)
        : base(message)
    {
    }

    public InconsistentStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InconsistentStateException(string message, string? storedEtag, string? currentEtag)
        : base(message)
    {
        StoredEtag = storedEtag;
        CurrentEtag = currentEtag;
    }

    /// <summary>The ETag in storage (null: no record).</summary>
    public string? StoredEtag { get; }

    /// <summary>The ETag the caller presented (null: it expected no record).</summary>
    public string? CurrentEtag { get; }
}
