namespace OrleansRep.Runtime.Core;

/// <summary>How calls queue at an activation.</summary>
public sealed class GrainSchedulingOptions
{
    /// <summary>How many non-interleaving calls and timer ticks may wait in one activation's mailbox; a caller past
    /// the bound waits for room (backpressure). Default: 1024.</summary>
    public int MailboxCapacity { get; set; } = 1024;

    internal void Validate() => ArgumentOutOfRangeException.ThrowIfLessThan(MailboxCapacity, 1, nameof(MailboxCapacity));
}
