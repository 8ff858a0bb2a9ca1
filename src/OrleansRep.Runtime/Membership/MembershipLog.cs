using System.Net;
using Microsoft.Extensions.Logging;

namespace OrleansRep.Runtime.Membership;

/// <summary>The membership agent's log messages (source-generated).</summary>
internal static partial class MembershipLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Silo {Silo} joined through {Seed}: {View}")]
    public static partial void Joined(ILogger logger, SiloAddress silo, EndPoint seed, MembershipView view);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Silo {Silo} started a new cluster")]
    public static partial void Bootstrapped(ILogger logger, SiloAddress silo);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "Seed {Seed} did not admit {Silo}")]
    public static partial void SeedUnreachable(ILogger logger, EndPoint seed, SiloAddress silo, Exception exception);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Silo {Silo} suspects {Target} ({Outcome})")]
    public static partial void Suspects(ILogger logger, SiloAddress silo, SiloAddress target, ProbeOutcome outcome);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Membership changed on {Silo}: {View}")]
    public static partial void Changed(ILogger logger, SiloAddress silo, MembershipView view);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Silo {Silo} was declared dead by the cluster; it stops and must restart with a new generation")]
    public static partial void DeclaredDead(ILogger logger, SiloAddress silo);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Silo {Silo} rejected a membership message from {Caller}: {Reason}")]
    public static partial void Rejected(ILogger logger, SiloAddress? silo, string caller, string reason);

    [LoggerMessage(EventId = 108, Level = LogLevel.Debug, Message = "Gossip from {Silo} to {Peer} failed")]
    public static partial void GossipFailed(ILogger logger, SiloAddress silo, SiloAddress peer, Exception exception);

    [LoggerMessage(EventId = 112, Level = LogLevel.Debug, Message = "Seed {Seed}, with no live silo in the view of {Silo}, did not answer: {Reason}")]
    public static partial void SeedUnanswered(ILogger logger, SiloAddress silo, EndPoint seed, string reason);

    [LoggerMessage(EventId = 109, Level = LogLevel.Error, Message = "A MembershipChanged handler on {Silo} threw")]
    public static partial void SubscriberFailed(ILogger logger, SiloAddress silo, Exception exception);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Silo {Silo} is leaving the cluster; telling {Peers} peers")]
    public static partial void Leaving(ILogger logger, SiloAddress silo, int peers);
}
