//! Vehicle segments, driver profiles and contexts: shares and the probabilities of their facts.

use super::*;

pub(super) fn compile_segments(
    specs: &[VehicleSpec],
    here: &FieldPath,
    names: &mut Names,
) -> Result<Vec<Segment>> {
    let cumulative = cumulative_shares(specs.iter().map(|v| v.share), here, "vehicle segment")?;
    let mut out = Vec::new();
    for (i, v) in specs.iter().enumerate() {
        let at = here.index(i);
        check_name(&v.name, &at, &names.segments)?;
        names.segments.push(v.name.clone());
        let f = &v.faults;
        let probs: [(Fact, f64, &str); VEHICLE_FACTS] = [
            (
                Fact::KeylessTrunkButton,
                v.keyless_trunk_button,
                "keyless_trunk_button",
            ),
            (Fact::FoldDownSeats, v.fold_down_seats, "fold_down_seats"),
            (
                Fact::SeatReleaseInCabin,
                v.seat_release_in_cabin,
                "seat_release_in_cabin",
            ),
            (
                Fact::InteriorTrunkRelease,
                v.interior_trunk_release,
                "interior_trunk_release",
            ),
            (Fact::AppUnlock, v.app_unlock, "app_unlock"),
            (Fact::KeyCylinder, v.key_cylinder, "key_cylinder"),
            (
                Fact::FobBatteryDead,
                f.fob_battery_dead,
                "faults.fob_battery_dead",
            ),
            (
                Fact::LinkageRodBroken,
                f.linkage_rod_broken,
                "faults.linkage_rod_broken",
            ),
            (
                Fact::LockCylinderRusty,
                f.lock_cylinder_rusty,
                "faults.lock_cylinder_rusty",
            ),
            (
                Fact::LatchWireBroken,
                f.latch_wire_broken,
                "faults.latch_wire_broken",
            ),
        ];
        for (_, p, field) in &probs {
            let mut path = at.clone();
            for part in field.split('.') {
                path = path.key(part);
            }
            probability(&path, *p)?;
        }
        out.push(Segment {
            cumulative_share: cumulative[i],
            feature_probs: probs.map(|(fact, p, _)| (fact, p)),
        });
    }
    Ok(out)
}

pub(super) fn compile_drivers(
    specs: &[DriverSpec],
    here: &FieldPath,
    policies: &[String],
    names: &mut Names,
) -> Result<Vec<Driver>> {
    let cumulative = cumulative_shares(specs.iter().map(|d| d.share), here, "driver profile")?;
    let mut out = Vec::new();
    for (i, d) in specs.iter().enumerate() {
        let at = here.index(i);
        check_name(&d.name, &at, &names.drivers)?;
        names.drivers.push(d.name.clone());
        probability(&at.key("door_left_unlocked"), d.door_left_unlocked)?;
        probability(&at.key("roadside_member"), d.roadside_member)?;
        probability(&at.key("smartphone_app"), d.smartphone_app)?;
        let spare_key_cumulative = spare_key_table(d, &at.key("spare_key"))?;
        let flustered = match d.temperament.as_deref() {
            None | Some("calm") => false,
            Some("flustered") => true,
            Some(other) => {
                return invalid(
                    at.key("temperament"),
                    format!("must be \"calm\" or \"flustered\" (got \"{other}\")"),
                );
            }
        };
        let Some(policy) = policies.iter().position(|p| *p == d.policy) else {
            return invalid(
                at.key("policy"),
                format!(
                    "unknown policy `{}` (policies: {}){}",
                    d.policy,
                    policies.join(", "),
                    hint(&d.policy, policies.iter().map(String::as_str), '`')
                ),
            );
        };
        out.push(Driver {
            cumulative_share: cumulative[i],
            door_left_unlocked: d.door_left_unlocked,
            spare_key_cumulative,
            roadside_member: d.roadside_member,
            smartphone_app: d.smartphone_app,
            flustered,
            policy,
        });
    }
    Ok(out)
}

fn spare_key_table(d: &DriverSpec, here: &FieldPath) -> Result<[f64; 6]> {
    let mut probs = [0.0; 6];
    if d.spare_key.is_empty() {
        probs[SpareKeyLocation::None as usize] = 1.0;
    }
    for (loc, p) in &d.spare_key {
        let Some(l) = SpareKeyLocation::from_name(loc) else {
            return invalid(
                here.key(loc),
                format!(
                    "unknown spare key location `{loc}` (locations: {}){}",
                    SpareKeyLocation::ALL.map(|l| l.name()).join(", "),
                    hint(loc, SpareKeyLocation::ALL.map(|l| l.name()), '`')
                ),
            );
        };
        probability(&here.key(loc), *p)?;
        probs[l as usize] = *p;
    }
    let total: f64 = probs.iter().sum();
    if (total - 1.0).abs() > SUM_TOLERANCE {
        return invalid(
            here.clone(),
            format!("spare key location probabilities must sum to 1 (they sum to {total})"),
        );
    }
    let mut acc = 0.0;
    let mut cumulative = probs.map(|p| {
        acc += p;
        acc
    });
    cumulative[5] = 1.0;
    Ok(cumulative)
}

pub(super) fn compile_contexts(
    specs: &[ContextSpec],
    here: &FieldPath,
    names: &mut Names,
) -> Result<Vec<Context>> {
    let cumulative = cumulative_shares(specs.iter().map(|c| c.share), here, "context")?;
    let mut out = Vec::new();
    for (i, c) in specs.iter().enumerate() {
        let at = here.index(i);
        let Some(place) = Place::from_name(&c.place) else {
            return invalid(
                at.key("place"),
                format!(
                    "unknown place `{}` (places: {}){}",
                    c.place,
                    Place::ALL.map(|p| p.name()).join(", "),
                    hint(&c.place, Place::ALL.map(|p| p.name()), '`')
                ),
            );
        };
        for (field, p) in [
            ("night", c.night),
            ("weekend", c.weekend),
            ("phone_coverage", c.phone_coverage),
            ("car_cellular_coverage", c.car_cellular_coverage),
            ("parked_long", c.parked_long),
            ("keys_in_cabin", c.keys_in_cabin),
        ] {
            probability(&at.key(field), p)?;
        }
        let name = c.name.clone().unwrap_or_else(|| c.place.clone());
        if c.name.is_some() {
            check_name(&name, &at, &names.contexts)?;
        } else if names.contexts.contains(&name) {
            return invalid(
                at.key("place"),
                format!("two contexts are both called \"{name}\"; give them a `name`"),
            );
        }
        names.contexts.push(name);
        out.push(Context {
            cumulative_share: cumulative[i],
            place,
            night: c.night,
            weekend: c.weekend,
            phone_coverage: c.phone_coverage,
            car_cellular_coverage: c.car_cellular_coverage,
            parked_long: c.parked_long,
            keys_in_cabin: c.keys_in_cabin,
        });
    }
    Ok(out)
}
