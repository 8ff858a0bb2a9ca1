namespace OrleansRep.Runtime.Core;

/// <summary>
/// The seam between grain references and whatever delivers their calls: the in-process <see cref="Silo"/> today,
/// a transport to a remote silo later. References know only this interface, so grain code does not change when
/// calls start crossing the network.
/// </summary>
public interface IGrainCallInvoker
{
    /// <summary>Delivers the call and completes with the grain method's result (null for a method without one),
    /// or faults with the exception the grain method threw.</summary>
    Task<object?> InvokeAsync(GrainCall request);
}
