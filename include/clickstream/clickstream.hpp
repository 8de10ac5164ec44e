// clickstream-sdk: the whole sans-I/O core. Native hosts live in clickstream/native/.
#pragma once

#include "attribution.hpp"
#include "clock.hpp"
#include "contract.hpp"
#include "event.hpp"
#include "ids.hpp"
#include "json.hpp"
#include "queue.hpp"
#include "random.hpp"
#include "retry.hpp"
#include "session.hpp"
#include "storage.hpp"
#include "tracker.hpp"
#include "utf8.hpp"
