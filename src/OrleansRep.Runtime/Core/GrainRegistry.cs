namespace OrleansRep.Runtime.Core;

/// <summary>
/// The grain classes a silo can activate, by grain interface and by grain type name. Filled by
/// <see cref="SiloBuilder"/> before the silo starts, read-only afterwards. One class may implement several grain
/// interfaces: they share its grain type, so references through either interface reach the same activation.
/// </summary>
public sealed class GrainRegistry : IGrainTypeResolver
{
    private readonly Dictionary<Type, GrainRegistration> _byInterface = [];
    private readonly Dictionary<string, GrainRegistration> _byGrainType = new(StringComparer.Ordinal);

    public string GetGrainType(Type grainInterface)
    {
        ArgumentNullException.ThrowIfNull(grainInterface);
        return _byInterface.TryGetValue(grainInterface, out var registration)
            ? registration.GrainType
            : throw new ArgumentException($"No grain class is registered for grain interface {grainInterface.FullName}.", nameof(grainInterface));
    }

    /// <summary>Every registered grain interface with the grain type implementing it.</summary>
    internal IEnumerable<(Type Interface, GrainRegistration Registration)> Interfaces =>
        _byInterface.Select(pair => (pair.Key, pair.Value));

    /// <summary>Every registered grain type.</summary>
    internal IEnumerable<GrainRegistration> Registrations => _byGrainType.Values;

    internal void Add(Type grainInterface, Type grainClass)
    {
        GrainInterfaceDescriptor.Get(grainInterface);
        if (!grainClass.IsClass || grainClass.IsAbstract || !grainClass.IsSubclassOf(typeof(Grain)) || !grainInterface.IsAssignableFrom(grainClass))
        {
            throw new ArgumentException($"{grainClass.FullName} must be a concrete class deriving from {nameof(Grain)} and implementing {grainInterface.Name}.", nameof(grainClass));
        }

        if (_byInterface.TryGetValue(grainInterface, out var existing) && existing.GrainClass != grainClass)
        {
            throw new ArgumentException($"Grain interface {grainInterface.Name} is already implemented by {existing.GrainClass.FullName}.", nameof(grainInterface));
        }

        var typeName = grainClass.FullName ?? grainClass.Name;
        if (!_byGrainType.TryGetValue(typeName, out var registration))
        {
            registration = new GrainRegistration(grainClass);
            _byGrainType.Add(typeName, registration);
        }

        _byInterface[grainInterface] = registration;
    }

    internal GrainRegistration GetRegistration(GrainId grainId) =>
        _byGrainType.TryGetValue(grainId.Type, out var registration)
            ? registration
            : throw new ArgumentException($"Grain {grainId}: no grain class is registered for grain type {grainId.Type}.", nameof(grainId));
}
