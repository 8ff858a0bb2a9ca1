using OrleansRep.Replication;
using OrleansRep.Replication.Messages;

namespace OrleansRep.Simulation.Network;

/// <summary>One message on the simulated wire: who sent it to whom, with which transport flags, and when it is due.
/// <see cref="Sequence"/> is the send order (ties in delivery time go in send order).</summary>
public sealed record InFlightMessage(long Sequence, SiteId From, SiteId To, RepMessage Message, SendOptions Flags, long SentAt, long DueAt)
{
    public override string ToString() => $"{From}->{To} {Message.Type} gen {Message.Gen} lsn {Message.Lsn}";
}
