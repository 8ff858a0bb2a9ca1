using OrleansRep.Runtime.Membership;

namespace OrleansRep.Runtime.Hosting;

/// <summary>The owner's end of a remote subscription (the untyped face of <see cref="RemoteStreamSubscriber{T}"/>).</summary>
internal interface IRemoteStreamSubscriber
{
    Guid Id { get; }

    /// <summary>The silo the subscriber is on.</summary>
    SiloAddress Subscriber { get; }

    /// <summary>Ends the subscription without a final signal (the subscriber left, or its silo died).</summary>
    void Unsubscribe();
}
